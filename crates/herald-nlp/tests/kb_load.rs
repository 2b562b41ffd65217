//! Load-time and memory figures for the embedded knowledge base (issue 3 targets: load
//! < 300 ms in release, memory < 200 MB). Ignored by default; run with
//! `cargo test -p herald-nlp --release -- --ignored --nocapture`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use herald_nlp::KbBuilder;

/// Counts live and peak heap bytes, so the KB's footprint can be measured without tools.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwards to the system allocator with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
#[ignore = "timing figures; run in release with --ignored --nocapture"]
fn kb_load_time_and_memory() {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let t = Instant::now();
    let builder = match KbBuilder::new().add_embedded() {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    let parse = t.elapsed();
    let kb = match builder.build() {
        Ok(kb) => kb,
        Err(e) => panic!("{e}"),
    };
    let load = t.elapsed();
    let live = LIVE.load(Ordering::Relaxed) - before;
    let peak = PEAK.load(Ordering::Relaxed) - before;

    // Matching speed over invented text, a rough figure for the enrichment budget.
    let para = "The Syrian Defence Ministry said on Monday that Islamic State fighters \
                attacked a checkpoint near Aleppo, while officials in Tehran and Washington \
                urged restraint. Shares of Apple and Siemens rose in Frankfurt. ";
    let text = para.repeat(2_000);
    let t = Instant::now();
    let hits = kb.find(&text).len();
    let secs = t.elapsed().as_secs_f64();
    let mb_s = text.len() as f64 / 1e6 / secs.max(1e-9);

    println!(
        "KB: {} entities, load {:.1} ms (parse {:.1} ms, index {:.1} ms), live heap {:.1} MB, peak {:.1} MB during load; \
         find: {hits} matches in {:.2} MB at {mb_s:.1} MB/s",
        kb.len(),
        load.as_secs_f64() * 1e3,
        parse.as_secs_f64() * 1e3,
        (load - parse).as_secs_f64() * 1e3,
        live as f64 / 1e6,
        peak as f64 / 1e6,
        text.len() as f64 / 1e6,
    );
    assert!(hits > 0);
}
