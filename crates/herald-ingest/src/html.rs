//! Item HTML to clean text: paragraphs kept; scripts, styles, trackers and markup gone.
