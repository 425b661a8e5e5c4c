//! Parcel encode/decode micro-benchmarks: a realistic transaction (interface token,
//! ints, a string, a parcelable with a few fields, a string list), then the same with
//! a 4 KiB and a 1 MiB `byte[]`.
//!
//! Encoding writes into a reused parcel (`clear()` keeps the buffer), as a runtime
//! that recycles its transaction buffers would; decoding reads every value back out
//! of a prepared parcel. Throughput is parcel bytes per second.
//!
//! Run: `cargo bench -p ipc-benches --bench parcel`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ipc_core::parcel::Utf8;
use ipc_core::{Parcel, Parcelable, Result};

const DESCRIPTOR: &str = "com.example.media.IMediaLibrary";

/// `parcelable Track { long id; String title; int durationMs; float rating;
/// @utf8InCpp String album; }`, as aidlc emits it.
#[derive(Debug, Default, Clone, PartialEq)]
struct Track {
    id: i64,
    title: String,
    duration_ms: i32,
    rating: f32,
    album: String,
}

impl Parcelable for Track {
    fn write_to_parcel(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.sized_write(|p| {
            p.write(&self.id)?;
            p.write(&self.title)?;
            p.write(&self.duration_ms)?;
            p.write(&self.rating)?;
            p.write(&Utf8(&self.album))
        })
    }

    fn read_from_parcel(&mut self, parcel: &mut Parcel) -> Result<()> {
        parcel.sized_read(|p| {
            if p.has_more_data() {
                self.id = p.read()?;
            }
            if p.has_more_data() {
                self.title = p.read()?;
            }
            if p.has_more_data() {
                self.duration_ms = p.read()?;
            }
            if p.has_more_data() {
                self.rating = p.read()?;
            }
            if p.has_more_data() {
                self.album = p.read::<Utf8<String>>()?.0;
            }
            Ok(())
        })
    }
}

ipc_core::impl_parcelable!(Track);

/// The arguments of one call: `void enqueue(int queueId, long position, String
/// requester, in Track track, in List<String> tags, in @nullable byte[] artwork)`.
struct Call {
    queue_id: i32,
    position: i64,
    requester: String,
    track: Track,
    tags: Vec<String>,
    artwork: Option<Vec<u8>>,
}

fn call(artwork: Option<usize>) -> Call {
    Call {
        queue_id: 7,
        position: 123_456_789,
        requester: "org.example.player/.PlaybackService".into(),
        track: Track {
            id: 0x0123_4567_89ab,
            title: "Variations on a Theme — Part II".into(),
            duration_ms: 274_000,
            rating: 4.5,
            album: "Live at the Concertgebouw".into(),
        },
        tags: ["classical", "live", "piano", "favourites"]
            .map(String::from)
            .to_vec(),
        artwork: artwork.map(|len| (0..len).map(|i| i as u8).collect()),
    }
}

fn encode(parcel: &mut Parcel, call: &Call) -> Result<()> {
    parcel.write_interface_token(DESCRIPTOR)?;
    parcel.write(&call.queue_id)?;
    parcel.write(&call.position)?;
    parcel.write(&call.requester)?;
    parcel.write(&call.track)?;
    parcel.write(&call.tags)?;
    parcel.write(&call.artwork)
}

fn decode(parcel: &mut Parcel) -> Result<Call> {
    parcel.enforce_interface(DESCRIPTOR)?;
    Ok(Call {
        queue_id: parcel.read()?,
        position: parcel.read()?,
        requester: parcel.read()?,
        track: parcel.read()?,
        tags: parcel.read()?,
        artwork: parcel.read()?,
    })
}

fn bench_parcel(c: &mut Criterion) {
    for (name, artwork) in [
        ("mixed", None),
        ("mixed+4KiB", Some(4 * 1024)),
        ("mixed+1MiB", Some(1024 * 1024)),
    ] {
        let call = call(artwork);
        let mut encoded = Parcel::new();
        encode(&mut encoded, &call).expect("encode");
        let size = encoded.data_size();

        // The decoded call matches what was encoded.
        encoded.set_data_position(0).expect("rewind");
        let back = decode(&mut encoded).expect("decode");
        assert_eq!(back.track, call.track);
        assert_eq!(back.artwork, call.artwork);

        let mut group = c.benchmark_group(format!("parcel/{name}"));
        group.throughput(Throughput::Bytes(size as u64));
        let mut parcel = Parcel::with_capacity(size);
        group.bench_function("encode", |b| {
            b.iter(|| {
                parcel.clear();
                encode(&mut parcel, black_box(&call)).expect("encode");
                black_box(parcel.data_size())
            })
        });
        group.bench_function("decode", |b| {
            b.iter(|| {
                encoded.set_data_position(0).expect("rewind");
                black_box(decode(black_box(&mut encoded)).expect("decode"))
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_parcel);
criterion_main!(benches);
