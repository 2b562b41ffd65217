//! The feeds a node follows, their health and their poll state, kept durably in the data dir.
