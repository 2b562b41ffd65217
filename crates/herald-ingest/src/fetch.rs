//! Fetching a URL within limits: conditional GET, redirects checked hop by hop, a streamed body cap, timeouts.
