//! Golden bytes: a documented sequence of writes and the exact bytes Android's Parcel
//! would produce for it (DESIGN §4, docs/PROTOCOL.md "Parcel layout"). The expected
//! bytes were worked out by hand from the layout rules, not captured from this code:
//! little-endian, every write padded to 4 bytes, strings as length + units +
//! terminator, arrays as count + elements, parcelables as marker + size + fields,
//! unions as marker + tag + member.

mod parcel_common;

use ipc_core::parcel::Utf8;
use ipc_core::{ExceptionCode, Parcel, Status};
use parcel_common::{Point, Value};

/// Parses whitespace-separated hex bytes; `//` starts a comment to the end of line.
fn hex(text: &str) -> Vec<u8> {
    text.lines()
        .map(|line| line.split("//").next().unwrap())
        .flat_map(str::split_whitespace)
        .map(|byte| u8::from_str_radix(byte, 16).expect(byte))
        .collect()
}

fn assert_bytes(actual: &[u8], expected: &[u8]) {
    if actual != expected {
        // Word by word, so a mismatch is easy to find.
        for (i, (a, e)) in actual.chunks(4).zip(expected.chunks(4)).enumerate() {
            if a != e {
                panic!(
                    "first difference in word {i} (byte {}): got {a:02x?}, expected {e:02x?}\n\
                     got      {actual:02x?}\nexpected {expected:02x?}",
                    i * 4
                );
            }
        }
        panic!(
            "lengths differ: got {}, expected {}",
            actual.len(),
            expected.len()
        );
    }
}

fn point() -> Point {
    Point {
        x: 3,
        y: -4,
        label: "ab".into(),
        next: None,
    }
}

#[test]
fn documented_sequence_of_writes() {
    let mut parcel = Parcel::new();
    parcel.write(&1i32).unwrap();
    parcel.write(&-2i32).unwrap();
    parcel.write(&0x0102_0304_0506_0708i64).unwrap();
    parcel.write(&-1i64).unwrap();
    parcel.write("Hi😀").unwrap();
    parcel.write(&None::<String>).unwrap();
    parcel.write(&Utf8("héllo")).unwrap();
    parcel.write(&vec![1i32, -1, 256]).unwrap();
    parcel.write(&vec![1u8, 2, 3]).unwrap();
    parcel.write(&Some(point())).unwrap();
    parcel.write(&None::<Point>).unwrap();
    parcel.write(&Value::Text("ok".into())).unwrap();
    parcel.write(&Value::Number(7)).unwrap();

    let expected = hex("
        01 00 00 00                         // int 1
        fe ff ff ff                         // int -2
        08 07 06 05 04 03 02 01             // long 0x0102030405060708
        ff ff ff ff ff ff ff ff             // long -1
        04 00 00 00                         // String \"Hi😀\": length 4 UTF-16 units
        48 00 69 00                         //   'H' 'i'
        3d d8 00 de                         //   U+1F600 as the surrogate pair D83D DE00
        00 00 00 00                         //   terminator unit, 2 bytes of padding
        ff ff ff ff                         // null String: length -1
        06 00 00 00                         // @utf8InCpp String \"héllo\": 6 UTF-8 bytes
        68 c3 a9 6c 6c 6f 00 00             //   h, é (c3 a9), l l o, terminator, 1 pad
        03 00 00 00                         // int[] count 3
        01 00 00 00 ff ff ff ff 00 01 00 00 //   1, -1, 256
        03 00 00 00                         // byte[] count 3
        01 02 03 00                         //   packed bytes, 1 pad
        01 00 00 00                         // @nullable Point present: marker 1
        18 00 00 00                         //   size 24, counting itself
        03 00 00 00                         //   x = 3
        fc ff ff ff                         //   y = -4
        02 00 00 00 61 62 00 00             //   label: @utf8InCpp \"ab\"
        00 00 00 00                         //   next: null Point, marker 0
        00 00 00 00                         // @nullable Point null: marker 0
        01 00 00 00                         // union Value present: marker 1
        01 00 00 00                         //   tag 1 (text)
        02 00 00 00 6f 00 6b 00 00 00 00 00 //   String \"ok\": 2 units, terminator, pad
        01 00 00 00                         // union Value present: marker 1
        00 00 00 00                         //   tag 0 (number)
        07 00 00 00                         //   7
    ");
    assert_bytes(parcel.data(), &expected);

    // And the bytes read back to the same values.
    let mut parcel = Parcel::from_bytes(&expected);
    assert_eq!(parcel.read::<i32>(), Ok(1));
    assert_eq!(parcel.read::<i32>(), Ok(-2));
    assert_eq!(parcel.read::<i64>(), Ok(0x0102_0304_0506_0708));
    assert_eq!(parcel.read::<i64>(), Ok(-1));
    assert_eq!(parcel.read::<String>().unwrap(), "Hi😀");
    assert_eq!(parcel.read::<Option<String>>(), Ok(None));
    assert_eq!(parcel.read::<Utf8<String>>().unwrap().0, "héllo");
    assert_eq!(parcel.read::<Vec<i32>>(), Ok(vec![1, -1, 256]));
    assert_eq!(parcel.read::<Vec<u8>>(), Ok(vec![1, 2, 3]));
    assert_eq!(parcel.read::<Option<Point>>(), Ok(Some(point())));
    assert_eq!(parcel.read::<Option<Point>>(), Ok(None));
    assert_eq!(parcel.read::<Value>(), Ok(Value::Text("ok".into())));
    assert_eq!(parcel.read::<Value>(), Ok(Value::Number(7)));
    assert_eq!(parcel.data_avail(), 0);
}

#[test]
fn transaction_header_and_reply_status() {
    let mut parcel = Parcel::new();
    parcel.write_interface_token("x.IFoo").unwrap();
    let expected = hex("
        00 00 00 80                         // strict-mode policy: PENALTY_GATHER (1 << 31)
        ff ff ff ff                         // work source: unset (-1)
        54 53 59 53                         // header 'SYST' (0x53595354, little-endian)
        06 00 00 00                         // descriptor \"x.IFoo\": 6 UTF-16 units
        78 00 2e 00 49 00 46 00 6f 00 6f 00 //   x . I F o o
        00 00 00 00                         //   terminator unit, 2 bytes of padding
    ");
    assert_bytes(parcel.data(), &expected);
    parcel.set_data_position(0).unwrap();
    parcel.enforce_interface("x.IFoo").unwrap();

    let mut reply = Parcel::new();
    reply.write(&Status::ok()).unwrap();
    reply
        .write(&Status::new_service_specific_error(42, Some("no")))
        .unwrap();
    reply
        .write(&Status::new_exception(
            ExceptionCode::ILLEGAL_ARGUMENT,
            None,
        ))
        .unwrap();
    reply
        .write(&Status::new_exception(ExceptionCode::PARCELABLE, Some("")))
        .unwrap();
    let expected = hex("
        00 00 00 00                         // OK: exception code 0, nothing else
        f8 ff ff ff                         // SERVICE_SPECIFIC (-8)
        02 00 00 00 6e 00 6f 00 00 00 00 00 //   message \"no\" (UTF-16)
        00 00 00 00                         //   remote stack trace header: empty
        2a 00 00 00                         //   service-specific error code 42
        fd ff ff ff                         // ILLEGAL_ARGUMENT (-3)
        00 00 00 00 00 00 00 00             //   message \"\": length 0, terminator, pad
        00 00 00 00                         //   remote stack trace header: empty
        f7 ff ff ff                         // PARCELABLE (-9)
        00 00 00 00 00 00 00 00             //   message \"\"
        00 00 00 00                         //   remote stack trace header: empty
        00 00 00 00                         //   parcelable payload size: none
    ");
    assert_bytes(reply.data(), &expected);
}
