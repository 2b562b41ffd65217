//! Herald's feed side: everything between a publisher's feed and a story on the wire.
//!
//! * [`ssrf`] — the guard that keeps outgoing requests off internal addresses.
//! * [`fetch`] — one HTTP fetch within limits (conditional GET, redirects, body cap).
//! * [`parse`] — feed bytes to items; [`html`] — item HTML to clean text;
//!   [`identity`] — canonical links and the identity a story id comes from.
//! * [`extract`] — full text from a linked article page (opt-in per feed).
//! * [`schedule`] — when each feed is polled next.
//! * [`registry`] — the feeds a node follows and their health, kept on disk.
//! * [`poller`] — the loop that polls due feeds and hands new items to the node.
//! * [`opml`] — import and export of subscription lists.
//! * [`out`] — any query as an Atom or JSON feed.
//! * [`websub`] — hub subscriptions and verified pushes.
//!
//! The node (herald-server) wires this crate to its commit path through [`poller::Sink`].

pub mod extract;
pub mod fetch;
pub mod html;
pub mod identity;
pub mod opml;
pub mod out;
pub mod parse;
pub mod poller;
pub mod registry;
pub mod schedule;
pub mod ssrf;
pub mod websub;
