//! Unit tests of the parcel: layout and round trip of every type, envelopes, the
//! object table, positions. File descriptor lifetimes against the OS (`fcntl`) are in
//! `tests/parcel_fds.rs`, which may use `unsafe` to ask the kernel.

use std::fmt::Debug;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use super::*;
use crate::binder::Remotable;
use crate::{SpIBinder, TransactionCode};

mod tail;

// ---- helpers -----------------------------------------------------------------------

/// Little-endian bytes of `i32` words.
fn words(values: &[i32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Concatenates byte pieces.
fn cat(pieces: &[&[u8]]) -> Vec<u8> {
    pieces.concat()
}

/// Writes `value`, checks the bytes are `expected` (when given), reads it back and
/// checks it is equal and that nothing is left over.
fn check<T>(value: &T, expected: Option<&[u8]>)
where
    T: Serialize + Deserialize + PartialEq + Debug,
{
    let mut parcel = Parcel::new();
    parcel.write(value).unwrap();
    assert_eq!(parcel.data_position(), parcel.data_size());
    assert_eq!(parcel.data_size() % 4, 0, "{value:?} not padded");
    if let Some(expected) = expected {
        assert_eq!(parcel.data(), expected, "layout of {value:?}");
    }
    parcel.set_data_position(0).unwrap();
    assert_eq!(&parcel.read::<T>().unwrap(), value);
    assert_eq!(parcel.data_avail(), 0, "{value:?} left data");
}

fn read_back<T: Deserialize>(bytes: &[u8]) -> Result<T> {
    Parcel::from_bytes(bytes).read::<T>()
}

// ---- parcelables written the way aidlc emits them -----------------------------------

/// `parcelable Pt { int x = 1; int y; @utf8InCpp String label = "origin"; }`
#[derive(Debug, Clone, PartialEq)]
struct Pt {
    x: i32,
    y: i32,
    label: String,
}

impl Default for Pt {
    fn default() -> Self {
        Pt {
            x: 1,
            y: 0,
            label: "origin".into(),
        }
    }
}

impl Parcelable for Pt {
    fn write_to_parcel(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.sized_write(|p| {
            p.write(&self.x)?;
            p.write(&self.y)?;
            p.write(&Utf8(&self.label))
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
            Ok(())
        })
    }
}

impl ParcelableMetadata for Pt {
    fn descriptor() -> &'static str {
        "test.Pt"
    }
}

crate::impl_parcelable!(Pt);

/// Version 0 of `Pt`: only `x`.
#[derive(Debug, Default, PartialEq)]
struct PtV0 {
    x: i32,
}

impl Parcelable for PtV0 {
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

impl ParcelableMetadata for PtV0 {
    fn descriptor() -> &'static str {
        "test.PtV0"
    }
}

crate::impl_parcelable!(PtV0);

/// Version 2 of `Pt`: two more fields at the end.
#[derive(Debug, Default, PartialEq)]
struct PtV2 {
    x: i32,
    y: i32,
    label: String,
    tags: Vec<String>,
    scale: f64,
}

impl Parcelable for PtV2 {
    fn write_to_parcel(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.sized_write(|p| {
            p.write(&self.x)?;
            p.write(&self.y)?;
            p.write(&Utf8(&self.label))?;
            p.write(&self.tags)?;
            p.write(&self.scale)
        })
    }

    fn read_from_parcel(&mut self, _parcel: &mut Parcel) -> Result<()> {
        unreachable!("only written in these tests")
    }
}

crate::impl_parcelable!(PtV2);

/// `union U { int n; String s; Pt p; }`
#[derive(Debug, Clone, PartialEq)]
enum U {
    N(i32),
    S(String),
    P(Pt),
}

impl Default for U {
    fn default() -> Self {
        U::N(0)
    }
}

impl Parcelable for U {
    fn write_to_parcel(&self, parcel: &mut Parcel) -> Result<()> {
        match self {
            U::N(v) => {
                parcel.write_i32(0);
                parcel.write(v)
            }
            U::S(v) => {
                parcel.write_i32(1);
                parcel.write(v)
            }
            U::P(v) => {
                parcel.write_i32(2);
                parcel.write(v)
            }
        }
    }

    fn read_from_parcel(&mut self, parcel: &mut Parcel) -> Result<()> {
        *self = match parcel.read_i32()? {
            0 => U::N(parcel.read()?),
            1 => U::S(parcel.read()?),
            2 => U::P(parcel.read()?),
            _ => return Err(StatusCode::BAD_VALUE),
        };
        Ok(())
    }
}

crate::impl_parcelable!(U);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct ByteEnum(i8);
crate::impl_enum!(ByteEnum, i8);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct IntEnum(i32);
crate::impl_enum!(IntEnum, i32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct LongEnum(i64);
crate::impl_enum!(LongEnum, i64);

#[derive(Debug)]
struct Stub;

impl Remotable for Stub {
    fn descriptor() -> &'static str {
        "test.IStub"
    }

    fn on_transact(&self, _: TransactionCode, _: &mut Parcel, _: &mut Parcel) -> Result<()> {
        Err(StatusCode::UNKNOWN_TRANSACTION)
    }
}

// ---- primitives ----------------------------------------------------------------------

#[test]
fn booleans_are_i32_zero_or_one_and_any_nonzero_reads_true() {
    check(&true, Some(&words(&[1])));
    check(&false, Some(&words(&[0])));
    assert_eq!(read_back::<bool>(&words(&[-7])), Ok(true));
}

#[test]
fn bytes_take_a_full_sign_extended_i32() {
    check(&-1i8, Some(&words(&[-1])));
    check(&i8::MIN, Some(&words(&[-128])));
    check(&0x7fi8, Some(&words(&[0x7f])));
    check(&0xffu8, Some(&words(&[0xff])));
    check(&0u8, Some(&words(&[0])));
    // Android's readByte keeps the low byte.
    assert_eq!(read_back::<u8>(&words(&[0x1_80])), Ok(0x80));
    assert_eq!(read_back::<i8>(&words(&[0x1_80])), Ok(-128));
}

#[test]
fn chars_are_utf16_units_in_an_i32() {
    check(&u16::from(b'A'), Some(&words(&[0x41])));
    check(&0xe9u16, Some(&words(&[0xe9])));
    // A lone surrogate is a valid `char` unit on its own.
    check(&0xd83du16, Some(&words(&[0xd83d])));
    check(&u16::MAX, Some(&words(&[0xffff])));
}

#[test]
fn ints_and_longs_are_little_endian() {
    check(&0x0102_0304i32, Some(&[4, 3, 2, 1]));
    check(&i32::MIN, Some(&words(&[i32::MIN])));
    check(&i32::MAX, None);
    check(&u32::MAX, Some(&[0xff; 4]));
    check(&0x0102_0304_0506_0708i64, Some(&[8, 7, 6, 5, 4, 3, 2, 1]));
    check(&i64::MIN, None);
    check(&u64::MAX, Some(&[0xff; 8]));
}

#[test]
fn floats_keep_their_bits() {
    check(&1.5f32, Some(&1.5f32.to_le_bytes()));
    check(&-0.0f64, Some(&(-0.0f64).to_le_bytes()));
    check(&f64::INFINITY, None);
    check(&f32::MIN_POSITIVE, None);
    let mut parcel = Parcel::new();
    let nan = f64::from_bits(0x7ff8_dead_beef_0001);
    parcel.write(&nan).unwrap();
    parcel.write(&f32::NAN).unwrap();
    parcel.set_data_position(0).unwrap();
    assert_eq!(parcel.read::<f64>().unwrap().to_bits(), nan.to_bits());
    assert!(parcel.read::<f32>().unwrap().is_nan());
    assert_eq!(parcel.data_size(), 12);
}

#[test]
fn a_primitive_short_of_data_is_not_enough_data() {
    assert_eq!(
        read_back::<i32>(&[1, 2, 3]),
        Err(StatusCode::NOT_ENOUGH_DATA)
    );
    assert_eq!(read_back::<i64>(&[0; 7]), Err(StatusCode::NOT_ENOUGH_DATA));
    assert_eq!(read_back::<f64>(&[0; 4]), Err(StatusCode::NOT_ENOUGH_DATA));
    assert_eq!(read_back::<bool>(&[]), Err(StatusCode::NOT_ENOUGH_DATA));
}

// ---- strings -------------------------------------------------------------------------

#[test]
fn utf16_strings_have_length_units_terminator_and_padding() {
    // Empty: length 0, then the terminator unit and two bytes of padding.
    check(&String::new(), Some(&words(&[0, 0])));
    check(
        &"a".to_string(),
        Some(&cat(&[&words(&[1]), &[b'a', 0, 0, 0]])),
    );
    check(
        &"ab".to_string(),
        Some(&cat(&[&words(&[2]), &[b'a', 0, b'b', 0, 0, 0, 0, 0]])),
    );
    // é is one unit (U+00E9).
    check(
        &"é".to_string(),
        Some(&cat(&[&words(&[1]), &[0xe9, 0, 0, 0]])),
    );
    // U+1F600 is a surrogate pair: D83D DE00, so the length is 2 units.
    check(
        &"😀".to_string(),
        Some(&cat(&[&words(&[2]), &[0x3d, 0xd8, 0x00, 0xde, 0, 0, 0, 0]])),
    );
    check(&"mixed ascii, é, 中文 and 𝄞 and 😀".to_string(), None);
    let mut parcel = Parcel::new();
    parcel.write("str slices too").unwrap();
    parcel.set_data_position(0).unwrap();
    assert_eq!(parcel.read::<String>().unwrap(), "str slices too");
}

#[test]
fn utf8_strings_have_length_bytes_terminator_and_padding() {
    let mut parcel = Parcel::new();
    parcel.write_str8("").unwrap();
    parcel.write_str8("abc").unwrap();
    parcel.write_str8("abcd").unwrap();
    parcel.write_str8("😀").unwrap();
    let expected = cat(&[
        &words(&[0]),
        &[0, 0, 0, 0],
        &words(&[3]),
        b"abc\0",
        &words(&[4]),
        b"abcd\0\0\0\0",
        &words(&[4]),
        &[0xf0, 0x9f, 0x98, 0x80, 0, 0, 0, 0],
    ]);
    assert_eq!(parcel.data(), expected);
    parcel.set_data_position(0).unwrap();
    for s in ["", "abc", "abcd", "😀"] {
        assert_eq!(parcel.read::<Utf8<String>>().unwrap().0, s);
    }
    assert_eq!(parcel.data_avail(), 0);

    check(&Utf8("é 中 😀".to_string()), None);
    check(&Utf8(String::new()), Some(&words(&[0, 0])));
}

#[test]
fn utf8_wrapper_covers_nullable_strings_and_sequences() {
    check(&Utf8(None::<String>), Some(&words(&[-1])));
    check(
        &Utf8(Some("x".to_string())),
        Some(&cat(&[&words(&[1]), b"x\0\0\0"])),
    );
    check(
        &Utf8(vec!["a".to_string(), String::new()]),
        Some(&cat(&[&words(&[2, 1]), b"a\0\0\0", &words(&[0, 0])])),
    );
    check(&Utf8(Some(vec![Some("😀".to_string()), None])), None);
    check(&Utf8(None::<Vec<Option<String>>>), Some(&words(&[-1])));
    check(&Utf8(["x".to_string(), "yz".to_string()]), None);
    assert_eq!(
        read_back::<Utf8<String>>(&words(&[-1])),
        Err(StatusCode::UNEXPECTED_NULL)
    );
    assert_eq!(
        read_back::<Utf8<[String; 2]>>(&cat(&[&words(&[1, 0, 0])])),
        Err(StatusCode::BAD_VALUE)
    );
    let mut parcel = Parcel::new();
    parcel.write_string8(None).unwrap();
    parcel.write_string8(Some("q")).unwrap();
    parcel.set_data_position(0).unwrap();
    assert_eq!(parcel.read_string8(), Ok(None));
    assert_eq!(parcel.read_string8(), Ok(Some("q".to_string())));
}

#[test]
fn nullable_strings_use_length_minus_one() {
    check(&None::<String>, Some(&words(&[-1])));
    check(&Some(String::new()), Some(&words(&[0, 0])));
    check(&Some("hi".to_string()), None);
    let mut parcel = Parcel::new();
    parcel.write_string16(None).unwrap();
    parcel.write(&None::<&str>).unwrap();
    assert_eq!(parcel.data(), words(&[-1, -1]));
    assert_eq!(
        read_back::<String>(&words(&[-1])),
        Err(StatusCode::UNEXPECTED_NULL)
    );
}

#[test]
fn bad_strings_are_rejected() {
    // A lone high surrogate.
    let lone = cat(&[&words(&[1]), &[0x3d, 0xd8, 0, 0]]);
    assert_eq!(read_back::<String>(&lone), Err(StatusCode::BAD_VALUE));
    // Terminator not zero.
    let unterminated = cat(&[&words(&[1]), &[b'a', 0, b'b', 0]]);
    assert_eq!(
        read_back::<String>(&unterminated),
        Err(StatusCode::BAD_VALUE)
    );
    // Invalid UTF-8.
    let bad8 = cat(&[&words(&[2]), &[0xc3, 0x28, 0, 0]]);
    assert_eq!(read_back::<Utf8<String>>(&bad8), Err(StatusCode::BAD_VALUE));
    // Length -2 and a length beyond the data.
    assert_eq!(
        read_back::<String>(&words(&[-2])),
        Err(StatusCode::BAD_VALUE)
    );
    assert_eq!(
        read_back::<String>(&words(&[100, 0])),
        Err(StatusCode::NOT_ENOUGH_DATA)
    );
}

// ---- arrays --------------------------------------------------------------------------

#[test]
fn arrays_of_every_primitive_round_trip() {
    check(&vec![true, false, true], Some(&words(&[3, 1, 0, 1])));
    check(&vec![0x41u16, 0xd83d], Some(&words(&[2, 0x41, 0xd83d])));
    check(
        &vec![1i32, -2, i32::MAX],
        Some(&words(&[3, 1, -2, i32::MAX])),
    );
    check(&vec![7u32, u32::MAX], None);
    check(
        &vec![-1i64, 2],
        Some(&cat(&[
            &words(&[2]),
            &(-1i64).to_le_bytes(),
            &2i64.to_le_bytes(),
        ])),
    );
    check(&vec![u64::MAX, 0], None);
    check(&vec![1.0f32, -2.5], None);
    check(&vec![f64::MAX, f64::MIN_POSITIVE], None);
    check(&Vec::<i32>::new(), Some(&words(&[0])));
    check(&Vec::<f64>::new(), Some(&words(&[0])));
}

#[test]
fn byte_arrays_are_packed_and_padded() {
    check(
        &vec![1u8, 2, 3, 4, 5],
        Some(&cat(&[&words(&[5]), &[1, 2, 3, 4, 5, 0, 0, 0]])),
    );
    check(
        &vec![1u8, 2, 3, 4],
        Some(&cat(&[&words(&[4]), &[1, 2, 3, 4]])),
    );
    check(&Vec::<u8>::new(), Some(&words(&[0])));
    check(
        &vec![-1i8, 0, 127],
        Some(&cat(&[&words(&[3]), &[0xff, 0, 0x7f, 0]])),
    );
    check(&None::<Vec<u8>>, Some(&words(&[-1])));
    let mut parcel = Parcel::new();
    parcel.write_byte_array(Some(&[9, 8])).unwrap();
    parcel.write_byte_array(None).unwrap();
    parcel.set_data_position(0).unwrap();
    assert_eq!(parcel.read_byte_array(), Ok(Some(vec![9, 8])));
    assert_eq!(parcel.read_byte_array(), Ok(None));
    assert_eq!(parcel.data_avail(), 0);
}

#[test]
fn byte_arrays_read_in_place_borrow_the_parcel() {
    let mut parcel = Parcel::new();
    parcel.write_byte_array(Some(&[9, 8, 7])).unwrap();
    parcel.write_byte_array(None).unwrap();
    parcel.write(&5i32).unwrap();
    parcel.set_data_position(0).unwrap();
    let at = parcel.read_byte_array_in_place().unwrap().unwrap();
    assert_eq!(parcel.read_byte_array_in_place(), Ok(None));
    // The position moved past each array and its padding, as a copying read would.
    assert_eq!(parcel.read::<i32>(), Ok(5));
    assert_eq!(parcel.byte_array_at(at), [9, 8, 7]);
    // A length past the data, and a negative one, are errors, not slices.
    let mut short = Parcel::from_bytes(&cat(&[&words(&[8]), &[1, 2, 3, 4]]));
    assert_eq!(
        short.read_byte_array_in_place(),
        Err(StatusCode::NOT_ENOUGH_DATA)
    );
    let mut negative = Parcel::from_bytes(&words(&[-2]));
    assert_eq!(
        negative.read_byte_array_in_place(),
        Err(StatusCode::BAD_VALUE)
    );
    // A location from a bigger parcel is empty here, not a panic.
    assert_eq!(Parcel::new().byte_array_at(at), [0u8; 0]);
}

#[test]
fn string_arrays_and_nullable_elements() {
    check(
        &vec!["a".to_string(), String::new()],
        Some(&cat(&[&words(&[2, 1]), &[b'a', 0, 0, 0], &words(&[0, 0])])),
    );
    check(
        &vec![Some("x".to_string()), None, Some(String::new())],
        Some(&cat(&[
            &words(&[3, 1]),
            &[b'x', 0, 0, 0],
            &words(&[-1]),
            &words(&[0, 0]),
        ])),
    );
    check(&Vec::<Option<String>>::new(), Some(&words(&[0])));
    check(&None::<Vec<String>>, Some(&words(&[-1])));
    check(&Some(vec!["😀".to_string()]), None);
    assert_eq!(
        read_back::<Vec<String>>(&words(&[1, -1])),
        Err(StatusCode::UNEXPECTED_NULL)
    );
}

#[test]
fn nullable_arrays_use_count_minus_one() {
    check(&None::<Vec<i32>>, Some(&words(&[-1])));
    check(&Some(Vec::<i32>::new()), Some(&words(&[0])));
    check(&Some(vec![5i64]), None);
    assert_eq!(
        read_back::<Vec<i32>>(&words(&[-1])),
        Err(StatusCode::UNEXPECTED_NULL)
    );
    assert_eq!(
        read_back::<Vec<i32>>(&words(&[-2])),
        Err(StatusCode::BAD_VALUE)
    );
}

#[test]
fn nested_arrays_have_a_count_per_level() {
    check(
        &vec![vec![1i32, 2], vec![], vec![3]],
        Some(&words(&[3, 2, 1, 2, 0, 1, 3])),
    );
    check(&vec![vec!["s".to_string()], vec![]], None);
    check(&vec![Some(vec![1u8]), None], None);
    check(&vec![vec![vec![1i64]]], None);
}

#[test]
fn fixed_size_arrays_carry_their_count_and_must_match_it() {
    check(&[1i32, 2, 3], Some(&words(&[3, 1, 2, 3])));
    check(
        &[[1u8, 2], [3, 4]],
        Some(&cat(&[
            &words(&[2, 2]),
            &[1, 2, 0, 0],
            &words(&[2]),
            &[3, 4, 0, 0],
        ])),
    );
    check(&[String::from("a"), String::new()], None);
    check(&Some([1i64, 2]), None);
    check(&None::<[i64; 2]>, Some(&words(&[-1])));
    assert_eq!(
        read_back::<[i32; 3]>(&words(&[2, 1, 2])),
        Err(StatusCode::BAD_VALUE)
    );
    assert_eq!(
        read_back::<[i32; 3]>(&words(&[4, 1, 2, 3, 4])),
        Err(StatusCode::BAD_VALUE)
    );
    assert_eq!(
        read_back::<[[u8; 2]; 2]>(&cat(&[
            &words(&[2, 3]),
            &[1, 2, 3, 0],
            &words(&[2]),
            &[3, 4, 0, 0]
        ])),
        Err(StatusCode::BAD_VALUE)
    );
    assert_eq!(
        read_back::<[i32; 3]>(&words(&[-1])),
        Err(StatusCode::UNEXPECTED_NULL)
    );
}

#[test]
fn boxes_are_transparent() {
    check(&Box::new(5i32), Some(&words(&[5])));
    check(&Some(Box::new(Pt::default())), None);
    check(&vec![Box::new(1i32)], Some(&words(&[1, 1])));
}

// ---- parcelables, unions, enums ------------------------------------------------------

#[test]
fn parcelables_are_marker_then_size_prefixed_fields() {
    let pt = Pt {
        x: 5,
        y: -1,
        label: "ab".into(),
    };
    let expected = cat(&[
        &words(&[1]),     // present
        &words(&[20]),    // size: itself, x, y, label length, label bytes
        &words(&[5, -1]), // x, y
        &words(&[2]),     // label: 2 UTF-8 bytes
        b"ab\0\0",        // the bytes, terminator, padding
    ]);
    check(&pt, Some(&expected));
}

#[test]
fn nullable_parcelables_use_a_zero_or_one_marker() {
    check(&None::<Pt>, Some(&words(&[0])));
    check(&Some(Pt::default()), None);
    check(&vec![Some(Pt::default()), None], None);
    assert_eq!(
        read_back::<Pt>(&words(&[0])),
        Err(StatusCode::UNEXPECTED_NULL)
    );
    // Only 0 and 1 are markers.
    assert_eq!(
        read_back::<Option<Pt>>(&words(&[2])),
        Err(StatusCode::BAD_VALUE)
    );
    assert_eq!(
        read_back::<Option<Pt>>(&words(&[-1])),
        Err(StatusCode::BAD_VALUE)
    );
}

#[test]
fn old_data_leaves_missing_trailing_fields_at_their_defaults() {
    let mut parcel = Parcel::new();
    parcel.write(&PtV0 { x: 42 }).unwrap();
    parcel.write_i32(0x5a5a);
    parcel.set_data_position(0).unwrap();
    let pt: Pt = parcel.read().unwrap();
    assert_eq!(
        pt,
        Pt {
            x: 42,
            ..Pt::default()
        }
    );
    assert_eq!(parcel.read_i32(), Ok(0x5a5a));
    assert_eq!(parcel.data_avail(), 0);
}

#[test]
fn new_data_has_its_unknown_trailing_fields_skipped() {
    let mut parcel = Parcel::new();
    parcel
        .write(&PtV2 {
            x: 3,
            y: 4,
            label: "new".into(),
            tags: vec!["t1".into(), "t2".into()],
            scale: 2.5,
        })
        .unwrap();
    parcel.write("after").unwrap();
    parcel.set_data_position(0).unwrap();
    let pt: Pt = parcel.read().unwrap();
    assert_eq!(
        pt,
        Pt {
            x: 3,
            y: 4,
            label: "new".into()
        }
    );
    assert_eq!(parcel.read::<String>().unwrap(), "after");
    assert_eq!(parcel.data_avail(), 0);
}

#[test]
fn a_read_inside_an_envelope_cannot_pass_its_end() {
    // Size 8 covers only x; y lies outside the envelope and must not be read.
    let bytes = words(&[1, 8, 10, 20]);
    let mut parcel = Parcel::from_bytes(&bytes);
    let pt: Pt = parcel.read().unwrap();
    assert_eq!(
        pt,
        Pt {
            x: 10,
            ..Pt::default()
        }
    );
    assert_eq!(parcel.read_i32(), Ok(20));
    // Inside the body, data_avail is bounded by the envelope.
    let mut parcel = Parcel::from_bytes(&words(&[12, 1, 2, 3, 4]));
    parcel
        .sized_read(|p| {
            assert_eq!(p.data_avail(), 8);
            assert_eq!(p.read::<i64>(), Ok(0x2_0000_0001));
            assert_eq!(p.read_i32(), Err(StatusCode::NOT_ENOUGH_DATA));
            Ok(())
        })
        .unwrap();
    assert_eq!(parcel.data_avail(), 8);
}

#[test]
fn envelope_sizes_below_four_or_beyond_the_data_are_errors() {
    for size in [-1, 0, 3] {
        let mut parcel = Parcel::from_bytes(&words(&[size, 0]));
        assert_eq!(parcel.sized_read(|_| Ok(())), Err(StatusCode::BAD_VALUE));
    }
    let mut parcel = Parcel::from_bytes(&words(&[12, 0]));
    assert_eq!(
        parcel.sized_read(|_| Ok(())),
        Err(StatusCode::NOT_ENOUGH_DATA)
    );
}

#[test]
fn inout_parcelables_read_onto_the_existing_value() {
    let mut parcel = Parcel::new();
    parcel.write(&PtV0 { x: 9 }).unwrap();
    parcel.set_data_position(0).unwrap();
    let mut pt = Pt {
        x: 1,
        y: 77,
        label: "kept".into(),
    };
    parcel.read_onto(&mut pt).unwrap();
    assert_eq!(
        pt,
        Pt {
            x: 9,
            y: 77,
            label: "kept".into()
        }
    );
}

#[test]
fn unions_are_tag_then_member() {
    check(&U::N(7), Some(&words(&[1, 0, 7])));
    check(
        &U::S("hi".into()),
        Some(&cat(&[&words(&[1, 1, 2]), &[b'h', 0, b'i', 0, 0, 0, 0, 0]])),
    );
    check(&U::P(Pt::default()), None);
    check(&Some(U::N(-1)), None);
    check(&None::<U>, Some(&words(&[0])));
    assert_eq!(
        read_back::<U>(&words(&[1, 3, 7])),
        Err(StatusCode::BAD_VALUE)
    );
    assert_eq!(
        read_back::<U>(&words(&[1, -1, 7])),
        Err(StatusCode::BAD_VALUE)
    );
}

#[test]
fn enums_are_written_as_their_backing_type() {
    check(&ByteEnum(-2), Some(&words(&[-2])));
    check(&IntEnum(0x1234_5678), Some(&words(&[0x1234_5678])));
    check(&LongEnum(1 << 40), Some(&(1i64 << 40).to_le_bytes()));
    // byte-backed enum arrays are packed like byte[].
    check(
        &vec![ByteEnum(1), ByteEnum(-1), ByteEnum(5)],
        Some(&cat(&[&words(&[3]), &[1, 0xff, 5, 0]])),
    );
    check(&vec![IntEnum(1), IntEnum(2)], Some(&words(&[2, 1, 2])));
    check(&vec![LongEnum(3)], None);
    check(&None::<Vec<ByteEnum>>, Some(&words(&[-1])));
}

/// A parcelable whose read recurses `self.0` more levels through `read_parcelable`,
/// as a recursive AIDL parcelable does.
struct Level(usize);

impl Parcelable for Level {
    fn write_to_parcel(&self, _: &mut Parcel) -> Result<()> {
        Ok(())
    }

    fn read_from_parcel(&mut self, parcel: &mut Parcel) -> Result<()> {
        match self.0 {
            0 => Ok(()),
            n => parcel.read_parcelable(&mut Level(n - 1)),
        }
    }
}

#[test]
fn parcelables_nest_up_to_the_limit_and_no_further() {
    let mut parcel = Parcel::new();
    // Level(n) reads n + 1 nested parcelables.
    assert_eq!(
        parcel.read_parcelable(&mut Level(MAX_PARCELABLE_NESTING - 1)),
        Ok(())
    );
    assert_eq!(
        parcel.read_parcelable(&mut Level(MAX_PARCELABLE_NESTING)),
        Err(StatusCode::BAD_VALUE)
    );
    // The count unwinds after a failed read.
    assert_eq!(parcel.read_parcelable(&mut Level(3)), Ok(()));
}

// ---- ParcelableHolder ----------------------------------------------------------------

#[test]
fn parcelable_holder_round_trips_and_checks_the_type() {
    let mut holder = ParcelableHolder::new();
    assert!(holder.is_empty());
    assert_eq!(holder.get_parcelable::<Pt>(), Ok(None));
    let pt = Pt {
        x: 8,
        y: 9,
        label: "held".into(),
    };
    holder.set_parcelable(&pt).unwrap();
    assert_eq!(holder.descriptor(), Ok(Some("test.Pt".to_string())));

    let mut parcel = Parcel::new();
    parcel.write(&holder).unwrap();
    parcel.write_i32(-99);
    parcel.set_data_position(0).unwrap();
    let back: ParcelableHolder = parcel.read().unwrap();
    assert_eq!(parcel.read_i32(), Ok(-99));
    assert_eq!(back.get_parcelable::<Pt>(), Ok(Some(pt)));
    assert_eq!(back.get_parcelable::<PtV0>(), Err(StatusCode::BAD_TYPE));

    // Layout: marker, stability 0, byte size, then descriptor and contents.
    let data = parcel.data();
    assert_eq!(&data[..8], words(&[1, 0]));
    let size = i32::from_le_bytes(data[8..12].try_into().unwrap()) as usize;
    assert_eq!(12 + size + 4, data.len());

    // Empty holders are a zero size.
    let mut parcel = Parcel::new();
    parcel.write(&ParcelableHolder::new()).unwrap();
    assert_eq!(parcel.data(), words(&[1, 0, 0]));
    parcel.set_data_position(0).unwrap();
    assert!(parcel.read::<ParcelableHolder>().unwrap().is_empty());

    holder.reset();
    assert!(holder.is_empty());
    assert_eq!(
        read_back::<ParcelableHolder>(&words(&[1, 1, 0])).map(|_| ()),
        Err(StatusCode::BAD_VALUE)
    );
}

// ---- interface token -----------------------------------------------------------------

#[test]
fn interface_token_layout_and_enforcement() {
    let mut parcel = Parcel::new();
    parcel.write_interface_token("a.IB").unwrap();
    let expected = cat(&[
        &words(&[i32::MIN, -1]), // strict-mode policy, unset work source
        b"TSYS",                 // 'SYST' as a little-endian i32
        &words(&[4]),
        &[b'a', 0, b'.', 0, b'I', 0, b'B', 0, 0, 0, 0, 0],
    ]);
    assert_eq!(parcel.data(), expected);
    parcel.set_data_position(0).unwrap();
    assert_eq!(parcel.enforce_interface("a.IB"), Ok(()));
    assert_eq!(parcel.data_avail(), 0);

    for wrong in ["a.IC", "a.I", "a.IBB", ""] {
        parcel.set_data_position(0).unwrap();
        assert_eq!(
            parcel.enforce_interface(wrong),
            Err(StatusCode::BAD_TYPE),
            "{wrong}"
        );
    }
    let mut bad_header = expected.clone();
    bad_header[8] = b'V';
    assert_eq!(
        Parcel::from_bytes(&bad_header).enforce_interface("a.IB"),
        Err(StatusCode::BAD_TYPE)
    );
    let mut null_descriptor = expected[..12].to_vec();
    null_descriptor.extend(words(&[-1]));
    assert_eq!(
        Parcel::from_bytes(&null_descriptor).enforce_interface("a.IB"),
        Err(StatusCode::UNEXPECTED_NULL)
    );
    assert_eq!(
        Parcel::from_bytes(&expected[..10]).enforce_interface("a.IB"),
        Err(StatusCode::NOT_ENOUGH_DATA)
    );
}

// ---- object table --------------------------------------------------------------------

/// What `fd` refers to, per /proc (e.g. `socket:[1234]`); `None` when it is closed.
/// Comparing identities rather than asking "is this number open" keeps the check
/// right when another test thread reuses the number.
fn fd_target(fd: RawFd) -> Option<std::path::PathBuf> {
    std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()
}

#[test]
fn fds_travel_through_the_object_table_and_are_closed_once() {
    let (ours, theirs) = UnixStream::pair().unwrap();
    let raw = theirs.as_raw_fd();
    let identity = fd_target(raw).unwrap();
    let mut parcel = Parcel::new();
    parcel.write_i32(5);
    parcel
        .write(&ParcelFileDescriptor::new(OwnedFd::from(theirs)))
        .unwrap();
    // write() duplicates: the original (dropped above) is gone, the parcel holds a dup.
    assert_ne!(fd_target(raw).as_ref(), Some(&identity));
    assert_eq!(parcel.object_count(), 1);
    assert!(parcel.has_fds());
    // The slot is the object's index in the table.
    assert_eq!(&parcel.data()[4..8], words(&[0]));

    parcel.set_data_position(0).unwrap();
    assert_eq!(parcel.read_i32(), Ok(5));
    let pfd: ParcelFileDescriptor = parcel.read().unwrap();
    let moved = pfd.as_raw_fd();
    let mut file = std::fs::File::from(pfd.into_inner());
    file.write_all(b"ping").unwrap();
    let mut buf = [0u8; 4];
    (&ours).read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");

    // Reading it again fails: it was moved out.
    parcel.set_data_position(4).unwrap();
    assert_eq!(
        parcel.read_file_descriptor().map(|_| ()),
        Err(StatusCode::BAD_VALUE)
    );
    // Dropping the parcel does not close the moved-out fd ...
    drop(parcel);
    assert_eq!(fd_target(moved), Some(identity.clone()));
    // ... dropping the value does.
    drop(file);
    assert_ne!(fd_target(moved), Some(identity));
}

#[test]
fn an_unread_fd_is_closed_when_the_parcel_drops() {
    let (_ours, theirs) = UnixStream::pair().unwrap();
    let raw = theirs.as_raw_fd();
    let identity = fd_target(raw).unwrap();
    let mut parcel = Parcel::new();
    parcel.write_owned_fd(OwnedFd::from(theirs)).unwrap();
    // Given, not duplicated: the same descriptor lives in the parcel.
    assert_eq!(fd_target(raw), Some(identity.clone()));
    drop(parcel);
    assert_ne!(fd_target(raw), Some(identity));

    let (_ours, theirs) = UnixStream::pair().unwrap();
    let raw = theirs.as_raw_fd();
    let identity = fd_target(raw).unwrap();
    let mut parcel = Parcel::new();
    parcel.write_owned_fd(OwnedFd::from(theirs)).unwrap();
    parcel.clear();
    assert_ne!(fd_target(raw), Some(identity));
    assert_eq!(parcel.object_count(), 0);
}

#[test]
fn object_slots_cannot_be_forged_or_misread() {
    let (_ours, theirs) = UnixStream::pair().unwrap();
    let mut parcel = Parcel::new();
    parcel.write_i32(0); // looks like slot 0, but no object was written here
    parcel.write_owned_fd(OwnedFd::from(theirs)).unwrap();
    parcel.write_i32(0); // slot 0 again, at a wrong offset
    parcel.write_i32(7); // a slot past the table
    parcel.write_i32(-5); // a negative slot
    parcel.write_i32(-1); // the null slot
    parcel.set_data_position(0).unwrap();
    assert_eq!(
        parcel.read_file_descriptor().map(|_| ()),
        Err(StatusCode::BAD_VALUE)
    );
    // The binder reader sees an fd at the real slot: wrong type.
    assert_eq!(parcel.read_binder().map(|_| ()), Err(StatusCode::BAD_TYPE));
    parcel.set_data_position(4).unwrap();
    assert!(parcel.read_file_descriptor().unwrap().is_some());
    assert_eq!(
        parcel.read_file_descriptor().map(|_| ()),
        Err(StatusCode::BAD_VALUE)
    );
    assert_eq!(
        parcel.read_file_descriptor().map(|_| ()),
        Err(StatusCode::BAD_VALUE)
    );
    assert_eq!(
        parcel.read_file_descriptor().map(|_| ()),
        Err(StatusCode::BAD_VALUE)
    );
    assert_eq!(parcel.read_file_descriptor().map(|_| ()), Ok(()));
    assert_eq!(
        read_back::<ParcelFileDescriptor>(&words(&[-1])).map(|_| ()),
        Err(StatusCode::UNEXPECTED_NULL)
    );
    assert!(
        read_back::<Option<ParcelFileDescriptor>>(&words(&[-1]))
            .unwrap()
            .is_none()
    );
}

#[test]
fn binders_travel_through_the_object_table() {
    let binder = SpIBinder::new_local(Stub);
    let mut parcel = Parcel::new();
    parcel.write(&binder).unwrap();
    parcel.write(&None::<SpIBinder>).unwrap();
    parcel.write(&vec![Some(binder.clone()), None]).unwrap();
    assert_eq!(parcel.object_count(), 2);
    assert!(!parcel.has_fds());
    parcel.set_data_position(0).unwrap();
    let back: SpIBinder = parcel.read().unwrap();
    assert!(back == binder);
    assert!(parcel.read::<Option<SpIBinder>>().unwrap().is_none());
    let list: Vec<Option<SpIBinder>> = parcel.read().unwrap();
    assert!(list[0].as_ref() == Some(&binder) && list[1].is_none());
    // Binders are shared, not moved: reading again works.
    parcel.set_data_position(0).unwrap();
    assert!(parcel.read::<SpIBinder>().unwrap() == binder);
    parcel.set_data_position(0).unwrap();
    assert_eq!(
        parcel.read_file_descriptor().map(|_| ()),
        Err(StatusCode::BAD_TYPE)
    );
}

#[test]
fn append_from_copies_bytes_and_objects_and_duplicates_fds() {
    let (ours, theirs) = UnixStream::pair().unwrap();
    let mut source = Parcel::new();
    source.write_i32(1);
    source.write_i32(2);
    source.write_owned_fd(OwnedFd::from(theirs)).unwrap();
    source.write("tail").unwrap();

    let mut dest = Parcel::new();
    dest.write_i32(100);
    dest.write_i32(101);
    // Copy everything from the second word on.
    dest.append_from(&source, 4, source.data_size() - 4)
        .unwrap();
    assert_eq!(dest.data_size(), 8 + source.data_size() - 4);
    assert_eq!(dest.object_count(), 1);
    dest.set_data_position(0).unwrap();
    assert_eq!(dest.read_i32(), Ok(100));
    assert_eq!(dest.read_i32(), Ok(101));
    assert_eq!(dest.read_i32(), Ok(2));
    let copy = dest.read_file_descriptor().unwrap().unwrap();
    assert_eq!(dest.read::<String>().unwrap(), "tail");
    assert_eq!(dest.data_avail(), 0);

    // The copy is a duplicate: the source still has its own.
    source.set_data_position(8).unwrap();
    let original = source.read_file_descriptor().unwrap().unwrap();
    assert_ne!(copy.as_raw_fd(), original.as_raw_fd());
    std::fs::File::from(copy).write_all(b"dup").unwrap();
    std::fs::File::from(original).write_all(b"orig").unwrap();
    let mut buf = [0u8; 7];
    (&ours).read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"duporig");

    // A range that leaves the object out copies no object.
    let mut bytes_only = Parcel::new();
    bytes_only.append_from(&source, 0, 8).unwrap();
    assert_eq!(bytes_only.object_count(), 0);
    assert_eq!(bytes_only.data(), words(&[1, 2]));

    // Ranges outside the source are errors.
    let mut dest = Parcel::new();
    assert_eq!(
        dest.append_from(&source, 4, source.data_size()),
        Err(StatusCode::BAD_VALUE)
    );
    assert_eq!(
        dest.append_from(&source, usize::MAX, 2),
        Err(StatusCode::BAD_VALUE)
    );
    assert_eq!(dest.data_size(), 0);
}

// ---- positions -----------------------------------------------------------------------

#[test]
fn positions_and_sizes() {
    let mut parcel = Parcel::new();
    assert_eq!(
        (
            parcel.data_size(),
            parcel.data_position(),
            parcel.data_avail()
        ),
        (0, 0, 0)
    );
    parcel.write_i32(1);
    parcel.write_i64(2);
    parcel.write("xy").unwrap();
    assert_eq!(parcel.data_size(), 4 + 8 + 4 + 8);
    assert_eq!(parcel.data_position(), 24);
    assert_eq!(parcel.data_avail(), 0);
    assert!(!parcel.has_more_data());

    parcel.set_data_position(4).unwrap();
    assert_eq!(parcel.data_avail(), 20);
    assert_eq!(parcel.read_i64(), Ok(2));
    assert_eq!(parcel.data_position(), 12);
    assert_eq!(parcel.set_data_position(24), Ok(()));
    assert_eq!(parcel.set_data_position(25), Err(StatusCode::BAD_INDEX));
    assert_eq!(parcel.data_position(), 24);

    // Writing in the middle overwrites; writing past the end extends.
    parcel.set_data_position(0).unwrap();
    parcel.write_i32(-1);
    assert_eq!(parcel.data_size(), 24);
    parcel.set_data_position(20).unwrap();
    parcel.write_i64(3);
    assert_eq!(parcel.data_size(), 28);
    parcel.set_data_position(0).unwrap();
    assert_eq!(parcel.read_i32(), Ok(-1));

    let with_capacity = Parcel::with_capacity(64);
    assert_eq!(with_capacity.data_size(), 0);
    let from = Parcel::from_bytes(&[1, 0, 0, 0]);
    assert_eq!((from.data_position(), from.data_avail()), (0, 4));
}

#[test]
fn sized_write_back_patches_the_size_when_overwriting() {
    let mut parcel = Parcel::new();
    parcel.write(&Pt::default()).unwrap();
    let first = parcel.data().to_vec();
    parcel.set_data_position(0).unwrap();
    parcel.write(&Pt::default()).unwrap();
    assert_eq!(parcel.data(), first);
}

#[test]
fn out_array_sizes() {
    let mut parcel = Parcel::new();
    parcel.write_slice_size(Some(&[1u8, 2, 3])).unwrap();
    parcel.write_slice_size::<i32>(Some(&[])).unwrap();
    parcel.write_slice_size::<i32>(None).unwrap();
    parcel.write_slice_size::<i32>(None).unwrap();
    assert_eq!(parcel.data(), words(&[3, 0, -1, -1]));
    parcel.set_data_position(0).unwrap();
    let mut out: Vec<i64> = Vec::new();
    parcel.resize_out_vec(&mut out).unwrap();
    assert_eq!(out, [0, 0, 0]);
    parcel.resize_out_vec(&mut out).unwrap();
    assert!(out.is_empty());
    let mut maybe = Some(vec![1u16]);
    parcel.resize_nullable_out_vec(&mut maybe).unwrap();
    assert_eq!(maybe, None);
    assert_eq!(
        parcel.resize_out_vec(&mut out),
        Err(StatusCode::UNEXPECTED_NULL)
    );

    // A huge claimed size is refused before anything is allocated.
    for huge in [i32::MAX, 1 << 30] {
        let mut out: Vec<u64> = Vec::new();
        let mut parcel = Parcel::from_bytes(&words(&[huge]));
        assert_eq!(parcel.resize_out_vec(&mut out), Err(StatusCode::BAD_VALUE));
        assert_eq!(out.capacity(), 0);
        let mut maybe: Option<Vec<u64>> = None;
        let mut parcel = Parcel::from_bytes(&words(&[huge]));
        assert_eq!(
            parcel.resize_nullable_out_vec(&mut maybe),
            Err(StatusCode::BAD_VALUE)
        );
    }
    let mut parcel = Parcel::from_bytes(&words(&[-2]));
    assert_eq!(parcel.resize_out_vec(&mut out), Err(StatusCode::BAD_VALUE));
}

#[test]
fn debug_output_summarises() {
    let mut parcel = Parcel::new();
    parcel.write_i32(1);
    let text = format!("{parcel:?}");
    assert!(text.contains("data_size: 4"), "{text}");
}
