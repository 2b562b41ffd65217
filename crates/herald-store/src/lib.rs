//! placeholder

pub mod index;
pub mod log;
pub mod stories;

pub use index::{
    Hit, IndexError, IndexHandle, IndexOptions, SearchIndex, SearchOptions, SearchResults, Sort,
};
pub use log::{FileLog, Log, LogError, LogOptions, LogReader, OpenReport, Truncation, all_zero, write_room};
pub use stories::{Committed, StoreError, StoryReader, StoryStore, version_key};
