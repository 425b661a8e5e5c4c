//! A big byte array that ends a parcel, kept in a buffer of its own (`tail`): it
//! must read, write and measure exactly like the same array written inline.

use super::*;

const BIG_LEN: usize = 100_001;

fn big() -> Vec<u8> {
    (0..BIG_LEN).map(|i| (i * 7) as u8).collect()
}

/// A parcel `7, big` written inline, and the same with the array kept apart, as a
/// receiver builds it from a blob frame.
fn both() -> (Parcel, Parcel) {
    let mut inline = Parcel::new();
    inline.write_i32(7);
    inline.write_byte_array(Some(&big())).unwrap();
    let mut kept = Parcel::new();
    kept.write_i32(7);
    kept.write_byte_array_owned(big()).unwrap();
    let (data, objects, tail) = kept.into_parts();
    assert!(tail.is_some(), "a big trailing array is kept apart");
    let kept = Parcel::from_parts(data, objects, tail).unwrap();
    (inline, kept)
}

#[test]
fn a_kept_apart_array_has_the_inline_size_and_bytes() {
    let (mut inline, mut kept) = both();
    assert_eq!(kept.data_size(), inline.data_size());
    assert_eq!(kept.data_size(), 8 + pad4(BIG_LEN));
    assert_eq!(kept.data(), inline.data());
}

#[test]
fn reading_the_array_hands_its_buffer_over() {
    let mut parcel = Parcel::new();
    parcel.write_i32(7);
    let bytes = big();
    let address = bytes.as_ptr();
    parcel.write_byte_array_owned(bytes).unwrap();
    let (data, objects, tail) = parcel.into_parts();
    let mut parcel = Parcel::from_parts(data, objects, tail).unwrap();
    assert_eq!(parcel.read_i32().unwrap(), 7);
    let got = parcel.read_byte_array().unwrap().unwrap();
    assert_eq!(got, big());
    assert_eq!(got.as_ptr(), address, "the buffer moved, not copied");
    // The parcel now ends where the array's bytes began.
    assert_eq!(parcel.data_size(), 8);
    assert_eq!(parcel.data_avail(), 0);
    parcel.set_data_position(4).unwrap();
    assert_eq!(parcel.read_byte_array(), Err(StatusCode::NOT_ENOUGH_DATA));
}

#[test]
fn in_place_reads_borrow_the_kept_buffer() {
    let (_, mut kept) = both();
    assert_eq!(kept.read_i32().unwrap(), 7);
    let at = kept.read_byte_array_in_place().unwrap().unwrap();
    assert_eq!(kept.byte_array_at(at), big().as_slice());
    assert_eq!(kept.data_avail(), 0);
    // Still there: reading it again from the count works.
    kept.set_data_position(4).unwrap();
    assert_eq!(kept.read_byte_array().unwrap().unwrap(), big());
}

#[test]
fn other_reads_of_the_bytes_see_the_inline_layout() {
    let (mut inline, mut kept) = both();
    // Words inside the array, and the array read as something else.
    for parcel in [&mut inline, &mut kept] {
        parcel.set_data_position(8 + 4 * 1000).unwrap();
    }
    assert_eq!(kept.read_i64().unwrap(), inline.read_i64().unwrap());
    for parcel in [&mut inline, &mut kept] {
        parcel.set_data_position(4).unwrap();
    }
    assert_eq!(
        kept.read::<Vec<i8>>().unwrap(),
        inline.read::<Vec<i8>>().unwrap()
    );
    assert_eq!(kept.data_avail(), inline.data_avail());
}

#[test]
fn writing_after_the_array_moves_it_inline() {
    let mut parcel = Parcel::new();
    parcel.write_byte_array_owned(big()).unwrap();
    parcel.write_i32(-5);
    let mut inline = Parcel::new();
    inline.write_byte_array(Some(&big())).unwrap();
    inline.write_i32(-5);
    assert_eq!(parcel.data(), inline.data());
    let (_, _, tail) = parcel.into_parts();
    assert!(tail.is_none());
}

#[test]
fn small_or_mid_parcel_arrays_are_written_inline() {
    let mut parcel = Parcel::new();
    parcel.write_byte_array_owned(vec![1, 2, 3]).unwrap();
    let (data, _, tail) = parcel.into_parts();
    assert!(tail.is_none());
    assert_eq!(data, cat(&[&words(&[3]), &[1, 2, 3, 0]]));
    // Not at the end: overwriting the middle of a parcel copies.
    let mut parcel = Parcel::new();
    parcel.write_i32(1);
    parcel.write_i32(2);
    parcel.set_data_position(0).unwrap();
    parcel.write_byte_array_owned(big()).unwrap();
    let (_, _, tail) = parcel.into_parts();
    assert!(tail.is_none());
}

#[test]
fn copying_a_range_across_the_kept_array() {
    let (inline, kept) = both();
    for (start, len) in [(0, 8 + pad4(BIG_LEN)), (4, 100), (6, 40_000), (9000, 3)] {
        let mut a = Parcel::new();
        a.append_from(&inline, start, len).unwrap();
        let mut b = Parcel::new();
        b.append_from(&kept, start, len).unwrap();
        assert_eq!(a.data(), b.data(), "range {start}+{len}");
    }
    let mut c = Parcel::new();
    assert!(c.append_from(&kept, 8, pad4(BIG_LEN) + 1).is_err());
}

#[test]
fn a_kept_array_must_follow_its_count() {
    for data in [words(&[7, 99]), words(&[]), vec![1, 0]] {
        assert_eq!(
            Parcel::from_parts(data, Vec::new(), Some(big())).err(),
            Some(StatusCode::BAD_VALUE)
        );
    }
}
