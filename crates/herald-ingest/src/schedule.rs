//! When to poll a feed next: adaptive intervals, server hints, back-off, jitter.
