//! Feed bytes (RSS, Atom, JSON Feed) to feed metadata and items with clean text.
