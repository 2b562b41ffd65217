//! The guard on outgoing requests (feeds, linked pages, webhooks): a URL whose host resolves
//! to a loopback, private, link-local, shared or cloud-metadata address is refused, unless
//! the host or the address is on the allow-list (`fetch.allow` / `HERALD_FETCH_ALLOW`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::Url;

/// Host names that reach a cloud provider's instance metadata whatever they resolve to.
const METADATA_HOSTS: &[&str] = &["metadata.google.internal", "metadata", "instance-data"];

/// One allow-list entry: a host name, or an address block (`10.0.0.0/8`, `127.0.0.1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowEntry {
    Host(String),
    Net { addr: IpAddr, prefix: u8 },
}

impl AllowEntry {
    /// Parses `host`, `ADDR` or `ADDR/PREFIX`.
    pub fn parse(s: &str) -> Result<AllowEntry, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("an empty entry".into());
        }
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        match addr.parse::<IpAddr>() {
            Ok(ip) => {
                let max = if ip.is_ipv4() { 32 } else { 128 };
                let prefix = match prefix {
                    None => max,
                    Some(p) => p
                        .parse::<u8>()
                        .ok()
                        .filter(|p| *p <= max)
                        .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
                };
                Ok(AllowEntry::Net { addr: ip, prefix })
            }
            Err(_) if prefix.is_none() && !s.contains(char::is_whitespace) => {
                Ok(AllowEntry::Host(s.trim_end_matches('.').to_ascii_lowercase()))
            }
            Err(_) => Err(format!(
                "{s:?} is neither a host name nor an address block like 10.0.0.0/8"
            )),
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let AllowEntry::Net { addr, prefix } = self else {
            return false;
        };
        match (addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
                u32::from(*a) & mask == u32::from(b) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(*prefix)).unwrap_or(0);
                u128::from(*a) & mask == u128::from(b) & mask
            }
            _ => false,
        }
    }
}

/// The guard, with its allow-list.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    allow: Vec<AllowEntry>,
}

/// Whether an address is one an outside service must not make the node reach.
pub fn is_internal(ip: IpAddr) -> bool {
    classify(ip).is_some()
}

/// What kind of internal address `ip` is, in words ("a loopback address"), or `None` for a
/// public one. IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are
/// judged by the address they carry, since that is where a packet ends up.
pub fn classify(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let kind = if ip.is_loopback() {
        "a loopback address"
    } else if ip.is_private() {
        "a private address"
    } else if ip == Ipv4Addr::new(169, 254, 169, 254) {
        "the cloud metadata address"
    } else if ip.is_link_local() {
        "a link-local address"
    } else if ip.is_unspecified() || a == 0 {
        "an unspecified (\"this network\") address"
    } else if ip.is_broadcast() {
        "the broadcast address"
    } else if ip.is_multicast() {
        "a multicast address"
    } else if a == 100 && (64..128).contains(&b) {
        "a shared (carrier-grade NAT) address"
    } else if a == 192 && b == 0 && c == 0 {
        "an IETF protocol address"
    } else if a == 198 && (b == 18 || b == 19) {
        "a benchmarking address"
    } else if a >= 240 {
        "a reserved address"
    } else {
        return None;
    };
    Some(kind)
}

fn classify_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let seg = ip.segments();
    if ip.is_loopback() {
        return Some("a loopback address");
    }
    if ip.is_unspecified() {
        return Some("an unspecified address");
    }
    if let Some(v4) = embedded_v4(ip) {
        return classify_v4(v4);
    }
    let kind = if ip.is_multicast() {
        "a multicast address"
    } else if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        "the cloud metadata address"
    } else if (seg[0] & 0xfe00) == 0xfc00 {
        "a unique local (private) address"
    } else if (seg[0] & 0xffc0) == 0xfe80 {
        "a link-local address"
    } else if (seg[0] & 0xffc0) == 0xfec0 {
        "a site-local address"
    } else {
        return None;
    };
    Some(kind)
}

/// The IPv4 address an IPv6 address stands for, if it is one of the forms that carry one.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let seg = ip.segments();
    let low = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    match seg {
        // IPv4-compatible (deprecated, but still routed by some stacks).
        [0, 0, 0, 0, 0, 0, hi, lo] => Some(low(hi, lo)),
        // NAT64 well-known prefix 64:ff9b::/96.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(low(hi, lo)),
        // 6to4 2002:AABB:CCDD::/48.
        [0x2002, hi, lo, ..] => Some(low(hi, lo)),
        _ => None,
    }
}

/// Why the guard refused a destination: `reason` completes "the host …", e.g.
/// "resolves to 127.0.0.1, a loopback address".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{host} {reason}")]
pub struct Refused {
    pub host: String,
    pub reason: String,
}

/// How the guarded resolver failed. Travels inside reqwest's error chain, where the
/// fetcher finds it again (by downcasting) to tell a refusal from a DNS failure.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ResolveError {
    #[error("{0}; refused")]
    Refused(Refused),
    #[error("cannot resolve {host}: {detail}")]
    Lookup { host: String, detail: String },
    #[error("{host} resolves to no address")]
    NoAddress { host: String },
}

/// A DNS resolver for reqwest that applies the guard to the addresses it returns. The
/// addresses it checks are the ones the connection is made to, so a name cannot resolve
/// to a public address at check time and to an internal one at connect time (DNS
/// rebinding). Host names on the allow-list are resolved without the address check.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    guard: Arc<Guard>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = Arc::clone(&self.guard);
        let host = normal_host(name.as_str());
        Box::pin(async move {
            // Boxed once, as `dyn Error`, so the fetcher can downcast it back.
            let addrs = guard.resolve(&host).await?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// A resolver that refuses internal addresses unless `guard` allows them; give it to
/// `reqwest::ClientBuilder::dns_resolver`. Host literals (`http://10.0.0.1/`) never reach
/// a resolver: check those with [`Guard::check_url`] before each request.
pub fn resolver(guard: Guard) -> GuardedResolver {
    GuardedResolver {
        guard: Arc::new(guard),
    }
}

/// A client builder with the guard wired in: the guarded resolver, no proxy (a proxy would
/// resolve names where the guard cannot see them) and no automatic redirects (each hop
/// must be checked with [`Guard::check_url`] by the caller).
pub fn client_builder(guard: Guard) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .dns_resolver(resolver(guard))
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
}

/// A host name as the allow-list and metadata list compare it.
fn normal_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

impl Guard {
    /// A guard allowing `entries` (already checked when the configuration was loaded;
    /// any that do not parse are ignored).
    pub fn new(entries: &[String]) -> Guard {
        Guard {
            allow: entries.iter().filter_map(|e| AllowEntry::parse(e).ok()).collect(),
        }
    }

    /// Whether `host` (a name) is on the allow-list, which lets it resolve anywhere.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = normal_host(host);
        self.allow
            .iter()
            .any(|e| matches!(e, AllowEntry::Host(h) if *h == host))
    }

    fn ip_allowed(&self, ip: IpAddr) -> bool {
        !is_internal(ip) || self.allow.iter().any(|e| e.contains(ip))
    }

    /// Checks one address `host` resolved to (or is, for a literal).
    pub fn check_addr(&self, host: &str, ip: IpAddr) -> Result<(), Refused> {
        match classify(ip) {
            Some(kind) if !self.ip_allowed(ip) => Err(Refused {
                host: host.to_owned(),
                reason: format!("resolves to {ip}, {kind}"),
            }),
            _ => Ok(()),
        }
    }

    /// What can be checked without DNS: an address literal, or a name known to reach a
    /// cloud metadata service. Names are otherwise left to the [`GuardedResolver`].
    /// (The scheme is the caller's business.)
    pub fn check_url(&self, url: &Url) -> Result<(), Refused> {
        match url.host() {
            None => Err(Refused {
                host: String::new(),
                reason: "is missing".into(),
            }),
            Some(url::Host::Ipv4(ip)) => self.check_addr(&ip.to_string(), IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => self.check_addr(&ip.to_string(), IpAddr::V6(ip)),
            Some(url::Host::Domain(name)) => self.check_name(&normal_host(name)),
        }
    }

    fn check_name(&self, name: &str) -> Result<(), Refused> {
        if METADATA_HOSTS.contains(&name) && !self.allows_host(name) {
            return Err(Refused {
                host: name.to_owned(),
                reason: "names a cloud metadata service".into(),
            });
        }
        Ok(())
    }

    /// Resolves `host` and checks every address it resolves to; one internal address
    /// refuses the lot (a name that mixes public and internal addresses is suspect).
    pub async fn resolve(&self, host: &str) -> Result<Vec<SocketAddr>, ResolveError> {
        let name = normal_host(host);
        self.check_name(&name).map_err(ResolveError::Refused)?;
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
            .await
            .map_err(|e| ResolveError::Lookup {
                host: name.clone(),
                detail: e.to_string(),
            })?
            .collect();
        if addrs.is_empty() {
            return Err(ResolveError::NoAddress { host: name });
        }
        if !self.allows_host(&name) {
            for a in &addrs {
                self.check_addr(&name, a.ip()).map_err(ResolveError::Refused)?;
            }
        }
        Ok(addrs)
    }

    /// Parses a webhook URL and checks where it leads: an `http(s)` URL with a host whose
    /// every address is public or allowed. The answer says what is wrong and why.
    /// (A check ahead of time; a client built with [`client_builder`] checks again at
    /// connect time.)
    pub async fn check(&self, url: &str) -> Result<Url, String> {
        let u = Url::parse(url).map_err(|e| format!("{url:?} is not a URL ({e})"))?;
        match u.scheme() {
            "http" | "https" => {}
            s => {
                return Err(format!(
                    "{url}: unsupported scheme {s:?}; use https:// or http://"
                ));
            }
        }
        let refused = |r: Refused| {
            format!(
                "{url}: the host {}; refused (allow it with fetch.allow / HERALD_FETCH_ALLOW)",
                r.reason
            )
        };
        self.check_url(&u).map_err(refused)?;
        if let Some(url::Host::Domain(name)) = u.host()
            && !self.allows_host(name)
        {
            match self.resolve(name).await {
                Ok(_) => {}
                Err(ResolveError::Refused(r)) => return Err(refused(r)),
                Err(e) => return Err(format!("{url}: {e}")),
            }
        }
        Ok(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(rt: &tokio::runtime::Runtime, g: &Guard, url: &str) -> Result<Url, String> {
        rt.block_on(g.check(url))
    }

    #[test]
    fn internal_addresses_are_refused_unless_allowed() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let closed = Guard::default();
        for url in [
            "http://127.0.0.1:9/hook",
            "http://10.1.2.3/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[::ffff:192.168.0.1]/",
            "http://100.64.0.1/",
            "http://localhost/",
            "http://metadata.google.internal/",
        ] {
            assert!(block(&rt, &closed, url).is_err(), "{url} must be refused");
        }
        assert!(
            block(&rt, &closed, "https://93.184.215.14/").is_ok(),
            "TLS webhooks"
        );
        assert!(block(&rt, &closed, "https://127.0.0.1/").is_err());
        assert!(block(&rt, &closed, "ftp://93.184.215.14/").is_err());
        assert!(block(&rt, &closed, "http://93.184.215.14/hook").is_ok());
        let open = Guard::new(&["127.0.0.1".into(), "10.0.0.0/8".into(), "hooks.internal".into()]);
        assert!(block(&rt, &open, "http://127.0.0.1:9/hook").is_ok());
        assert!(block(&rt, &open, "http://10.200.0.9/").is_ok());
        assert!(block(&rt, &open, "http://hooks.internal/").is_ok());
        assert!(
            block(&rt, &open, "http://127.0.0.2/").is_err(),
            "only the allowed address"
        );
        assert!(block(&rt, &open, "http://192.168.1.1/").is_err());
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_are_named_by_kind() {
        assert_eq!(classify(ip("127.0.0.1")), Some("a loopback address"));
        assert_eq!(
            classify(ip("169.254.169.254")),
            Some("the cloud metadata address")
        );
        assert_eq!(classify(ip("169.254.1.1")), Some("a link-local address"));
        assert_eq!(classify(ip("::ffff:10.0.0.1")), Some("a private address"));
        // NAT64 and 6to4 forms of internal IPv4 addresses are internal too.
        assert_eq!(classify(ip("64:ff9b::a00:1")), Some("a private address"));
        assert_eq!(classify(ip("2002:c0a8:101::1")), Some("a private address"));
        assert_eq!(classify(ip("fe80::1")), Some("a link-local address"));
        assert_eq!(classify(ip("fd00:ec2::254")), Some("the cloud metadata address"));
        assert_eq!(classify(ip("93.184.215.14")), None);
        assert_eq!(classify(ip("2606:4700::1111")), None);
        assert_eq!(
            classify(ip("2002:5db8:d70e::1")),
            None,
            "6to4 of a public address"
        );
    }

    #[test]
    fn the_resolver_checks_the_addresses_it_returns() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        match rt.block_on(Guard::default().resolve("LocalHost.")) {
            Err(ResolveError::Refused(r)) => {
                assert_eq!(r.host, "localhost");
                assert!(r.reason.contains("a loopback address"), "{r}");
            }
            other => panic!("localhost must be refused, got {other:?}"),
        }
        assert!(matches!(
            rt.block_on(Guard::default().resolve("metadata.google.internal")),
            Err(ResolveError::Refused(_))
        ));
        let by_net = Guard::new(&["127.0.0.0/8".into(), "::1".into()]);
        assert!(!rt.block_on(by_net.resolve("localhost")).unwrap().is_empty());
        let by_name = Guard::new(&["localhost".into()]);
        assert!(!rt.block_on(by_name.resolve("localhost")).unwrap().is_empty());
        let msg = block(&rt, &Guard::default(), "http://localhost:9/").unwrap_err();
        assert!(msg.contains("loopback") && msg.contains("refused"), "{msg}");
    }

    #[test]
    fn allow_entries_parse_or_say_why_not() {
        assert_eq!(
            AllowEntry::parse("10.0.0.0/8"),
            Ok(AllowEntry::Net {
                addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)),
                prefix: 8
            })
        );
        assert!(AllowEntry::parse("10.0.0.0/33").is_err());
        assert!(AllowEntry::parse("two words").is_err());
        assert_eq!(
            AllowEntry::parse("Hooks.Example."),
            Ok(AllowEntry::Host("hooks.example".into()))
        );
    }
}
