//! OPML import (Miniflux, FreshRSS, Feedly, newsboat exports) and export.
