//! Types and readers shared by the parcel test binaries and the `parcel_reader` fuzz
//! target (which includes this file by path): hand-written equivalents of what
//! `aidlc` emits for a structured parcelable, a newer version of it, a union, enums
//! of each backing type and a parcelable with a `ParcelableHolder`, plus the table
//! of "every reader" that random and fuzzed input is fed to.
#![allow(dead_code)]

use std::os::fd::OwnedFd;

use ipc_core::parcel::{Deserialize, Serialize, Utf8};
use ipc_core::{
    Parcel, ParcelFileDescriptor, Parcelable, ParcelableHolder, ParcelableMetadata, Remotable,
    Result, SpIBinder, Status, StatusCode, TransactionCode,
};

/// The descriptor the interface-token readers expect.
pub(crate) const DESCRIPTOR: &str = "ipc.test.IParcelTest";

/// `parcelable Point { int x = 1; int y; @utf8InCpp String label = "origin"; @nullable Point next; }`
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Point {
    pub(crate) x: i32,
    pub(crate) y: i32,
    pub(crate) label: String,
    pub(crate) next: Option<Box<Point>>,
}

impl Default for Point {
    fn default() -> Self {
        Point {
            x: 1,
            y: 0,
            label: "origin".into(),
            next: None,
        }
    }
}

impl Parcelable for Point {
    fn write_to_parcel(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.sized_write(|p| {
            p.write(&self.x)?;
            p.write(&self.y)?;
            p.write(&Utf8(&self.label))?;
            p.write(&self.next)
        })
    }

    fn read_from_parcel(&mut self, parcel: &mut Parcel) -> Result<()> {
        parcel.sized_read(|p| {
            if p.has_more_data() {
                self.x = p.read()?;
            }
            if p.has_more_data() {
                self.y = p.read()?;
            }
            if p.has_more_data() {
                self.label = p.read::<Utf8<String>>()?.0;
            }
            if p.has_more_data() {
                self.next = p.read()?;
            }
            Ok(())
        })
    }
}

impl ParcelableMetadata for Point {
    fn descriptor() -> &'static str {
        "ipc.test.Point"
    }
}

ipc_core::impl_parcelable!(Point);

/// An older version of [`Point`]: only `x` (default 7, to tell defaults apart).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PointV0 {
    pub(crate) x: i32,
}

impl Default for PointV0 {
    fn default() -> Self {
        PointV0 { x: 7 }
    }
}

impl Parcelable for PointV0 {
    fn write_to_parcel(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.sized_write(|p| p.write(&self.x))
    }

    fn read_from_parcel(&mut self, parcel: &mut Parcel) -> Result<()> {
        parcel.sized_read(|p| {
            if p.has_more_data() {
                self.x = p.read()?;
            }
            Ok(())
        })
    }
}

impl ParcelableMetadata for PointV0 {
    fn descriptor() -> &'static str {
        "ipc.test.PointV0"
    }
}

ipc_core::impl_parcelable!(PointV0);

/// A newer version of [`Point`] with two more trailing fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct PointV2 {
    pub(crate) x: i32,
    pub(crate) y: i32,
    pub(crate) label: String,
    pub(crate) next: Option<Box<Point>>,
    pub(crate) tags: Vec<String>,
    pub(crate) weight: f64,
}

impl Parcelable for PointV2 {
    fn write_to_parcel(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.sized_write(|p| {
            p.write(&self.x)?;
            p.write(&self.y)?;
            p.write(&Utf8(&self.label))?;
            p.write(&self.next)?;
            p.write(&self.tags)?;
            p.write(&self.weight)
        })
    }

    fn read_from_parcel(&mut self, parcel: &mut Parcel) -> Result<()> {
        parcel.sized_read(|p| {
            if p.has_more_data() {
                self.x = p.read()?;
            }
            if p.has_more_data() {
                self.y = p.read()?;
            }
            if p.has_more_data() {
                self.label = p.read::<Utf8<String>>()?.0;
            }
            if p.has_more_data() {
                self.next = p.read()?;
            }
            if p.has_more_data() {
                self.tags = p.read()?;
            }
            if p.has_more_data() {
                self.weight = p.read()?;
            }
            Ok(())
        })
    }
}

ipc_core::impl_parcelable!(PointV2);

/// `@Backing(type="byte") enum Mode { A, B = 5, C }`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Mode(pub(crate) i8);

impl Mode {
    pub(crate) const A: Mode = Mode(0);
    pub(crate) const B: Mode = Mode(5);
    pub(crate) const C: Mode = Mode(6);
}

ipc_core::impl_enum!(Mode, i8);

/// `@Backing(type="int") enum Color { RED, GREEN = -3 }`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Color(pub(crate) i32);

impl Color {
    pub(crate) const RED: Color = Color(0);
    pub(crate) const GREEN: Color = Color(-3);
}

ipc_core::impl_enum!(Color, i32);

/// `@Backing(type="long") enum Big { HUGE = 1L << 40 }`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Big(pub(crate) i64);

impl Big {
    pub(crate) const HUGE: Big = Big(1 << 40);
}

ipc_core::impl_enum!(Big, i64);

/// `union Value { int number; String text; Mode mode; Point point; }`
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Number(i32),
    Text(String),
    Mode(Mode),
    Point(Point),
}

impl Default for Value {
    fn default() -> Self {
        Value::Number(0)
    }
}

impl Parcelable for Value {
    fn write_to_parcel(&self, parcel: &mut Parcel) -> Result<()> {
        match self {
            Value::Number(v) => {
                parcel.write_i32(0);
                parcel.write(v)
            }
            Value::Text(v) => {
                parcel.write_i32(1);
                parcel.write(v)
            }
            Value::Mode(v) => {
                parcel.write_i32(2);
                parcel.write(v)
            }
            Value::Point(v) => {
                parcel.write_i32(3);
                parcel.write(v)
            }
        }
    }

    fn read_from_parcel(&mut self, parcel: &mut Parcel) -> Result<()> {
        *self = match parcel.read_i32()? {
            0 => Value::Number(parcel.read()?),
            1 => Value::Text(parcel.read()?),
            2 => Value::Mode(parcel.read()?),
            3 => Value::Point(parcel.read()?),
            _ => return Err(StatusCode::BAD_VALUE),
        };
        Ok(())
    }
}

ipc_core::impl_parcelable!(Value);

/// `union Tree { int leaf; Tree[] children; }`: a union that recurses through an
/// array, with no size prefix between the levels.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tree {
    Leaf(i32),
    Children(Vec<Tree>),
}

impl Default for Tree {
    fn default() -> Self {
        Tree::Leaf(0)
    }
}

impl Parcelable for Tree {
    fn write_to_parcel(&self, parcel: &mut Parcel) -> Result<()> {
        match self {
            Tree::Leaf(v) => {
                parcel.write_i32(0);
                parcel.write(v)
            }
            Tree::Children(v) => {
                parcel.write_i32(1);
                parcel.write(v)
            }
        }
    }

    fn read_from_parcel(&mut self, parcel: &mut Parcel) -> Result<()> {
        *self = match parcel.read_i32()? {
            0 => Tree::Leaf(parcel.read()?),
            1 => Tree::Children(parcel.read()?),
            _ => return Err(StatusCode::BAD_VALUE),
        };
        Ok(())
    }
}

ipc_core::impl_parcelable!(Tree);

/// `parcelable Extendable { int id; ParcelableHolder ext; }`
#[derive(Debug, Default)]
pub(crate) struct Extendable {
    pub(crate) id: i32,
    pub(crate) ext: ParcelableHolder,
}

impl Parcelable for Extendable {
    fn write_to_parcel(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.sized_write(|p| {
            p.write(&self.id)?;
            p.write(&self.ext)
        })
    }

    fn read_from_parcel(&mut self, parcel: &mut Parcel) -> Result<()> {
        parcel.sized_read(|p| {
            if p.has_more_data() {
                self.id = p.read()?;
            }
            if p.has_more_data() {
                self.ext = p.read()?;
            }
            Ok(())
        })
    }
}

ipc_core::impl_parcelable!(Extendable);

/// A stub that answers nothing, to put binder objects in parcels.
#[derive(Debug)]
pub(crate) struct NullStub;

impl Remotable for NullStub {
    fn descriptor() -> &'static str {
        "ipc.test.INull"
    }

    fn on_transact(&self, _: TransactionCode, _: &mut Parcel, _: &mut Parcel) -> Result<()> {
        Err(StatusCode::UNKNOWN_TRANSACTION)
    }
}

/// A descriptor for `/dev/null`, to put file descriptors in parcels.
pub(crate) fn dev_null() -> OwnedFd {
    std::fs::File::open("/dev/null")
        .expect("open /dev/null")
        .into()
}

/// Reads a `T`; when that succeeds, checks that what it read re-encodes to bytes
/// that read back to the same encoding (decode → encode is stable), so a reader
/// cannot accept input it then misrepresents.
pub(crate) fn read_stable<T: Serialize + Deserialize>(parcel: &mut Parcel) -> Result<()> {
    let value: T = parcel.read()?;
    let mut first = Parcel::new();
    if first.write(&value).is_err() {
        // Only a TRANSACTION_FAILED status refuses to be written.
        return Ok(());
    }
    first.set_data_position(0).expect("position 0 is valid");
    let again: T = first
        .read()
        .expect("a value this crate wrote must read back");
    assert_eq!(first.data_avail(), 0, "re-read left data behind");
    let mut second = Parcel::new();
    second.write(&again).expect("rewrite of a re-read value");
    assert_eq!(first.data(), second.data(), "encoding is not stable");
    Ok(())
}

/// Reads a parcelable with `read_onto`, as `inout` arguments come back.
fn read_onto_point(parcel: &mut Parcel) -> Result<()> {
    let mut point = Point {
        x: 11,
        ..Point::default()
    };
    parcel.read_onto(&mut point)
}

fn read_holder_as_point(parcel: &mut Parcel) -> Result<()> {
    let holder: ParcelableHolder = parcel.read()?;
    holder.descriptor()?;
    match holder.get_parcelable::<Point>() {
        Ok(_) | Err(StatusCode::BAD_TYPE) => Ok(()),
        Err(e) => Err(e),
    }
}

fn read_extendable(parcel: &mut Parcel) -> Result<()> {
    let value: Extendable = parcel.read()?;
    value.ext.get_parcelable::<Point>().map(drop)
}

fn read_status(parcel: &mut Parcel) -> Result<()> {
    read_stable::<Status>(parcel)
}

fn enforce(parcel: &mut Parcel) -> Result<()> {
    parcel.enforce_interface(DESCRIPTOR)
}

fn read_fd(parcel: &mut Parcel) -> Result<()> {
    parcel.read_file_descriptor().map(drop)
}

fn read_binder(parcel: &mut Parcel) -> Result<()> {
    parcel.read_binder().map(drop)
}

fn read_bytes(parcel: &mut Parcel) -> Result<()> {
    parcel.read_byte_array().map(drop)
}

fn read_string8(parcel: &mut Parcel) -> Result<()> {
    parcel.read_string8().map(drop)
}

fn read_out_vec(parcel: &mut Parcel) -> Result<()> {
    let mut out: Vec<i64> = Vec::new();
    parcel.resize_out_vec(&mut out)
}

/// A transaction as a generated stub reads it: header, then mixed arguments.
fn read_transaction(parcel: &mut Parcel) -> Result<()> {
    parcel.enforce_interface(DESCRIPTOR)?;
    let _: i32 = parcel.read()?;
    let _: String = parcel.read()?;
    let _: Option<Point> = parcel.read()?;
    let _: Utf8<Vec<String>> = parcel.read()?;
    let _: Value = parcel.read()?;
    let _: Vec<u8> = parcel.read()?;
    Ok(())
}

/// A reader: its name and what it does.
pub(crate) type Reader = (&'static str, fn(&mut Parcel) -> Result<()>);

/// Every reader, in a fixed order (the fuzz target picks one by index).
pub(crate) const READERS: &[Reader] = &[
    ("bool", read_stable::<bool>),
    ("byte", read_stable::<i8>),
    ("u8", read_stable::<u8>),
    ("char", read_stable::<u16>),
    ("int", read_stable::<i32>),
    ("u32", read_stable::<u32>),
    ("long", read_stable::<i64>),
    ("u64", read_stable::<u64>),
    ("float", read_stable::<f32>),
    ("double", read_stable::<f64>),
    ("String", read_stable::<String>),
    ("@nullable String", read_stable::<Option<String>>),
    ("@utf8InCpp String", read_stable::<Utf8<String>>),
    (
        "@nullable @utf8InCpp String",
        read_stable::<Utf8<Option<String>>>,
    ),
    ("@utf8InCpp String[]", read_stable::<Utf8<Vec<String>>>),
    (
        "@nullable List<@nullable @utf8InCpp String>",
        read_stable::<Utf8<Option<Vec<Option<String>>>>>,
    ),
    ("boolean[]", read_stable::<Vec<bool>>),
    ("byte[]", read_stable::<Vec<u8>>),
    ("i8[]", read_stable::<Vec<i8>>),
    ("char[]", read_stable::<Vec<u16>>),
    ("int[]", read_stable::<Vec<i32>>),
    ("long[]", read_stable::<Vec<i64>>),
    ("u64[]", read_stable::<Vec<u64>>),
    ("float[]", read_stable::<Vec<f32>>),
    ("double[]", read_stable::<Vec<f64>>),
    ("String[]", read_stable::<Vec<String>>),
    ("List<@nullable String>", read_stable::<Vec<Option<String>>>),
    ("@nullable int[]", read_stable::<Option<Vec<i32>>>),
    ("@nullable byte[]", read_stable::<Option<Vec<u8>>>),
    ("int[][]", read_stable::<Vec<Vec<i32>>>),
    ("String[][]", read_stable::<Vec<Vec<String>>>),
    ("int[3]", read_stable::<[i32; 3]>),
    ("byte[2][2]", read_stable::<[[u8; 2]; 2]>),
    ("@nullable long[2]", read_stable::<Option<[i64; 2]>>),
    ("Point", read_stable::<Point>),
    ("@nullable Point", read_stable::<Option<Point>>),
    ("Point[]", read_stable::<Vec<Point>>),
    ("List<@nullable Point>", read_stable::<Vec<Option<Point>>>),
    ("PointV0", read_stable::<PointV0>),
    ("PointV2", read_stable::<PointV2>),
    ("Point (inout)", read_onto_point),
    ("Value", read_stable::<Value>),
    ("@nullable Value", read_stable::<Option<Value>>),
    ("Value[]", read_stable::<Vec<Value>>),
    ("Tree", read_stable::<Tree>),
    ("Mode", read_stable::<Mode>),
    ("Mode[]", read_stable::<Vec<Mode>>),
    ("Color", read_stable::<Color>),
    ("Color[]", read_stable::<Vec<Color>>),
    ("Big[]", read_stable::<Vec<Big>>),
    ("ParcelableHolder", read_holder_as_point),
    ("Extendable", read_extendable),
    ("ParcelFileDescriptor", read_stable::<ParcelFileDescriptor>),
    (
        "@nullable ParcelFileDescriptor",
        read_stable::<Option<ParcelFileDescriptor>>,
    ),
    (
        "ParcelFileDescriptor[]",
        read_stable::<Vec<ParcelFileDescriptor>>,
    ),
    ("IBinder", read_stable::<SpIBinder>),
    ("@nullable IBinder[]", read_stable::<Vec<Option<SpIBinder>>>),
    ("Status", read_status),
    ("interface token", enforce),
    ("read_file_descriptor", read_fd),
    ("read_binder", read_binder),
    ("read_byte_array", read_bytes),
    ("read_string8", read_string8),
    ("transaction", read_transaction),
    ("resize_out_vec", read_out_vec),
];

/// Whether a reader's allocations are bounded by its input: `resize_out_vec`
/// legitimately sizes an `out` array from a bare length (up to the maximum
/// transaction size), so it is the one exception.
pub(crate) fn allocation_is_input_bounded(name: &str) -> bool {
    name != "resize_out_vec"
}

/// Builds a parcel from fuzz or random input: byte 0 picks the reader; the low two
/// bits of byte 1 give a number of objects (0-3), each placed by one further byte
/// (bit 0: fd or binder; the rest: the word offset of its slot in the data); the
/// remaining bytes are the data. Objects are real (a `/dev/null` descriptor, a local
/// binder), so the object table paths are exercised too.
pub(crate) fn parcel_from_input(input: &[u8]) -> Option<(&'static Reader, Parcel)> {
    let (&choice, rest) = input.split_first()?;
    let reader = &READERS[usize::from(choice) % READERS.len()];
    let (&objects, rest) = rest.split_first().unwrap_or((&0, &[]));
    let count = usize::from(objects & 3).min(rest.len());
    let (placements, data) = rest.split_at(count);
    let mut parcel = Parcel::from_bytes(data);
    for &placement in placements {
        let offset = usize::from(placement >> 1) * 4;
        if offset + 4 > data.len() {
            continue;
        }
        parcel
            .set_data_position(offset)
            .expect("offset within data");
        if placement & 1 == 0 {
            parcel.write_owned_fd(dev_null()).expect("write fd");
        } else {
            let binder = SpIBinder::new_local(NullStub);
            parcel.write_binder(Some(&binder)).expect("write binder");
        }
    }
    parcel.set_data_position(0).expect("position 0 is valid");
    Some((reader, parcel))
}

/// Feeds `input` to the reader it selects. Panics (the failure being tested for)
/// only if a reader panics or misbehaves; errors from bad input are expected.
pub(crate) fn run_input(input: &[u8]) -> Option<(&'static str, Result<()>)> {
    let (reader, mut parcel) = parcel_from_input(input)?;
    let size = parcel.data_size();
    let result = (reader.1)(&mut parcel);
    assert!(
        parcel.data_position() <= size,
        "{}: position {} past the end {}",
        reader.0,
        parcel.data_position(),
        size
    );
    assert_eq!(
        parcel.data_size(),
        size,
        "{}: a read changed the data",
        reader.0
    );
    Some((reader.0, result))
}
