//! Any query as a feed: stories to Atom 1.0 and JSON Feed 1.1.
