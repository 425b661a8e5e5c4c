//! Random byte strings fed to every parcel reader (the `READERS` table shared with
//! the `parcel_reader` fuzz target): no reader panics, none allocates more than its
//! input can justify, and none leaks a file descriptor.
//!
//! A counting global allocator records the largest single allocation made on the
//! reading thread while a reader runs; it must stay under 64 × the input length +
//! 4 KiB (the worst honest case is a vector of large elements, each at least four
//! bytes on the wire).

mod parcel_common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ipc_core::parcel::Utf8;
use ipc_core::{Parcel, ParcelableHolder, Status};
use parcel_common::{READERS, allocation_is_input_bounded, parcel_from_input};

/// Wraps the system allocator and remembers, per thread, the largest single request.
struct CountingAllocator;

thread_local! {
    /// Largest allocation (bytes) on this thread since the last reset. Const-initialised
    /// and destructor-free, so touching it from inside the allocator never allocates.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with` fails only while the thread is being torn down; nothing to record then.
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the `GlobalAlloc` contract holds exactly as it does for `System`; recording the size touches only a thread-local `Cell` and never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller upholds `alloc`'s contract (non-zero size), as `System` needs.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator, i.e. by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: `ptr` came from `System` with `layout`; the caller guarantees `new_size` is valid for `layout`'s alignment.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `f` and returns the largest single allocation it made on this thread.
fn largest_allocation_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST.with(|largest| largest.set(0));
    let result = f();
    (result, LARGEST.with(Cell::get))
}

/// SplitMix64: a small, seeded, reproducible generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Words that steer readers into their interesting branches: nulls, markers, small
/// counts and sizes, the negative and huge lengths, the interface-token header.
const INTERESTING: &[i32] = &[
    0,
    1,
    2,
    3,
    4,
    8,
    12,
    16,
    -1,
    -2,
    -8,
    -128,
    i32::MAX,
    i32::MIN,
    0x7fff_fff0,
    0x5359_5354, // 'SYST'
    0xd83d,      // a high surrogate
];

/// A valid parcel holding one of nearly everything, to cut random slices from.
fn valid_material() -> Vec<u8> {
    use parcel_common::*;
    let mut p = Parcel::new();
    p.write_interface_token(DESCRIPTOR).unwrap();
    p.write(&Status::new_service_specific_error(3, Some("x")))
        .unwrap();
    p.write(&7i32).unwrap();
    p.write("héllo 😀").unwrap();
    p.write(&Utf8("utf8 é")).unwrap();
    p.write(&None::<String>).unwrap();
    p.write(&vec![1i64, -1]).unwrap();
    p.write(&vec![1u8, 2, 3]).unwrap();
    p.write(&vec![Some("a".to_string()), None]).unwrap();
    p.write(&vec![vec![1i32], vec![]]).unwrap();
    p.write(&[[1u8, 2], [3, 4]]).unwrap();
    let point = Point {
        x: 3,
        y: 4,
        label: "p".into(),
        next: Some(Box::new(Point::default())),
    };
    p.write(&point).unwrap();
    p.write(&None::<Point>).unwrap();
    p.write(&PointV2 {
        tags: vec!["t".into()],
        ..PointV2::default()
    })
    .unwrap();
    p.write(&Value::Text("v".into())).unwrap();
    p.write(&Value::Point(point)).unwrap();
    p.write(&Tree::Children(vec![Tree::Leaf(1), Tree::Children(vec![])]))
        .unwrap();
    p.write(&vec![Mode::B, Mode::C]).unwrap();
    p.write(&vec![Color::GREEN]).unwrap();
    p.write(&Big::HUGE).unwrap();
    let mut holder = ParcelableHolder::new();
    holder.set_parcelable(&Point::default()).unwrap();
    p.write(&Extendable { id: 1, ext: holder }).unwrap();
    p.data().to_vec()
}

/// One random parcel body: random bytes, interesting words, or a mutated slice of
/// valid data.
fn random_body(rng: &mut Rng, material: &[u8]) -> Vec<u8> {
    match rng.below(3) {
        0 => (0..rng.below(64)).map(|_| rng.next() as u8).collect(),
        1 => (0..rng.below(16))
            .flat_map(|_| INTERESTING[rng.below(INTERESTING.len())].to_le_bytes())
            .collect(),
        _ => {
            let start = rng.below(material.len() / 4) * 4;
            let len = rng.below(material.len() - start + 1);
            let mut body = material[start..start + len].to_vec();
            for _ in 0..rng.below(4) {
                if body.len() < 4 {
                    break;
                }
                let at = rng.below(body.len() / 4) * 4;
                let word = INTERESTING[rng.below(INTERESTING.len())];
                body[at..at + 4].copy_from_slice(&word.to_le_bytes());
            }
            body
        }
    }
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// One test function, so no other test thread allocates or opens fds meanwhile.
#[test]
fn random_bytes_never_panic_or_over_allocate_in_any_reader() {
    const ROUNDS_PER_READER: usize = 300;
    let material = valid_material();
    let mut rng = Rng(0x5eed_0f9a_4ce1);
    let fds_before = open_fds();
    let mut cases = 0;
    let mut accepted = 0;
    for (index, reader) in READERS.iter().enumerate() {
        for _ in 0..ROUNDS_PER_READER {
            let body = random_body(&mut rng, &material);
            // Byte 0 picks this reader; byte 1 places up to three objects.
            let mut input = vec![index as u8, rng.next() as u8];
            for _ in 0..3 {
                input.push(rng.next() as u8 & 0x1f);
            }
            input.extend_from_slice(&body);
            let (picked, mut parcel) = parcel_from_input(&input).unwrap();
            assert_eq!(picked.0, reader.0);
            let size = parcel.data_size();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                largest_allocation_during(|| (reader.1)(&mut parcel))
            }));
            let Ok((result, largest)) = outcome else {
                panic!("{} panicked on {input:02x?}", reader.0);
            };
            assert!(parcel.data_position() <= size, "{}: position", reader.0);
            if allocation_is_input_bounded(reader.0) {
                let bound = 64 * input.len() + 4096;
                assert!(
                    largest <= bound,
                    "{}: allocated {largest} bytes for {} bytes of input {input:02x?}",
                    reader.0,
                    input.len()
                );
            } else {
                // resize_out_vec is bounded by the maximum transaction size instead.
                assert!(largest <= ipc_core::DEFAULT_MAX_TRANSACTION_SIZE + 4096);
            }
            cases += 1;
            accepted += usize::from(result.is_ok());
        }
    }
    println!("{cases} cases, {accepted} read successfully");
    assert!(cases >= 10_000, "only {cases} cases");
    // The generator must reach past the first check of the readers now and then.
    assert!(
        accepted > cases / 50,
        "only {accepted} of {cases} inputs read"
    );
    assert_eq!(
        open_fds(),
        fds_before,
        "a reader leaked or double-closed an fd"
    );
}

/// Pure random bytes of every length up to 64, for each reader (no objects).
#[test]
fn short_random_strings_of_every_length() {
    let mut rng = Rng(42);
    for (index, reader) in READERS.iter().enumerate() {
        for len in 0..64 {
            let mut input = vec![index as u8, 0];
            input.extend((0..len).map(|_| rng.next() as u8));
            let (_, mut parcel) = parcel_from_input(&input).unwrap();
            let _ = (reader.1)(&mut parcel);
        }
    }
}

/// The allocator really measures: a known allocation shows up, on this thread only.
#[test]
fn the_counting_allocator_sees_allocations() {
    let (v, largest) = largest_allocation_during(|| vec![0u8; 1 << 20]);
    assert_eq!(v.len(), 1 << 20);
    assert!(largest >= 1 << 20);
    let (_, largest) = largest_allocation_during(|| {
        std::thread::spawn(|| vec![0u8; 1 << 20])
            .join()
            .unwrap()
            .len()
    });
    assert!(largest < 1 << 20, "another thread's allocation was counted");
}
