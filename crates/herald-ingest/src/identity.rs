//! Item identity: canonical links (tracking parameters stripped) and the key a story id comes from.
