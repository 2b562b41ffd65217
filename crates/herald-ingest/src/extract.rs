//! Full text for feeds that carry only summaries: the main text of a linked article page.
