//! The polling loop: due feeds fetched under per-host limits, new items handed to the node.
