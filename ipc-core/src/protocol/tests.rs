//! Encoding and decoding tests.

use super::*;

fn sample() -> Vec<Message> {
    let parcel = WireParcel {
        data: vec![1, 2, 3, 4, 0, 0, 0, 0],
        objects: vec![
            WireObject::Fd { offset: 0 },
            WireObject::Binder {
                offset: 4,
                reference: WireRef {
                    owner: "p.1".into(),
                    id: 7,
                    token: [9; 16],
                },
            },
        ],
        blob: None,
    };
    // A parcel ending with a byte array of 5 bytes sent as the frame's blob.
    let with_blob = WireParcel {
        data: vec![1, 0, 0, 0, 5, 0, 0, 0],
        objects: Vec::new(),
        blob: Some(Box::new(vec![9, 8, 7, 6, 5])),
    };
    vec![
        Message::Hello {
            version: 1,
            address: "abc".into(),
            max_transaction: 1 << 20,
            transport: TRANSPORT_SHM,
            ring_size: 4096,
            root: Some((1, [3; 16])),
        },
        Message::Hello {
            version: 9,
            address: String::new(),
            max_transaction: 0,
            transport: TRANSPORT_SOCKET,
            ring_size: 0,
            root: None,
        },
        Message::Transaction {
            txn: 5,
            target: 1,
            token: [1; 16],
            code: 2,
            flags: 1,
            parent: 4,
            chain: Vec::new(),
            parcel: parcel.clone(),
        },
        Message::Transaction {
            txn: 7,
            target: 1,
            token: [1; 16],
            code: 2,
            flags: 0,
            parent: 0,
            chain: vec![11, 22, 33],
            parcel: parcel.clone(),
        },
        Message::Reply {
            txn: 5,
            result: Ok(parcel),
        },
        Message::Transaction {
            txn: 8,
            target: 1,
            token: [1; 16],
            code: 3,
            flags: 0,
            parent: 0,
            chain: Vec::new(),
            parcel: with_blob.clone(),
        },
        Message::Reply {
            txn: 8,
            result: Ok(with_blob),
        },
        Message::Reply {
            txn: 6,
            result: Err(-32),
        },
        Message::Acquire {
            txn: 8,
            id: 3,
            token: [4; 16],
        },
        Message::Release {
            id: 3,
            token: [4; 16],
            count: 2,
        },
        Message::Bye {
            reason: "bye".into(),
        },
        Message::Received {
            txn: 5,
            reply: true,
        },
        Message::Received {
            txn: 11,
            reply: false,
        },
    ]
}

#[test]
fn third_party_is_any_owner_but_the_two_ends() {
    let with = |owner: &str| WireParcel {
        data: vec![0; 4],
        objects: vec![WireObject::Binder {
            offset: 0,
            reference: WireRef {
                owner: owner.into(),
                id: 1,
                token: [0; 16],
            },
        }],
        blob: None,
    };
    assert!(!names_third_party(&with("a"), "a", "b"));
    assert!(!names_third_party(&with("b"), "a", "b"));
    assert!(names_third_party(&with("c"), "a", "b"));
    assert!(!names_third_party(&WireParcel::default(), "a", "b"));
}

fn fds_of(m: &Message) -> usize {
    match m {
        Message::Transaction { parcel, .. }
        | Message::Reply {
            result: Ok(parcel), ..
        } => parcel.fd_count(),
        _ => 0,
    }
}

#[test]
fn every_message_round_trips() {
    for message in sample() {
        let frame = encode(&message, fds_of(&message)).unwrap().to_vec();
        assert_eq!(decode(&frame).unwrap(), message);
    }
}

#[test]
fn every_truncation_and_extension_is_rejected() {
    for message in sample() {
        let frame = encode(&message, fds_of(&message)).unwrap().to_vec();
        for cut in 0..frame.len() {
            assert!(decode(&frame[..cut]).is_err(), "{message:?} cut at {cut}");
        }
        let mut longer = frame.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
    }
}

#[test]
fn lying_fd_counts_and_lengths_are_rejected() {
    let message = &sample()[2];
    let frame = encode(message, 0).unwrap().to_vec();
    assert!(
        decode(&frame).is_err(),
        "declares no fd but has an fd entry"
    );
    let mut header = [0u8; HEADER_LEN];
    header[..4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(decode_header(&header, 1 << 20).is_err());
    header[..4].copy_from_slice(&3u32.to_le_bytes());
    assert!(decode_header(&header, 1 << 20).is_err());
}

#[test]
fn random_bytes_never_panic() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 96) as usize;
        let mut frame: Vec<u8> = (0..len).map(|i| (state >> (i % 8 * 8)) as u8).collect();
        if frame.len() >= 5 {
            frame[..4].copy_from_slice(&(len as u32).to_le_bytes());
            frame[4] = (state % 7) as u8;
        }
        let _ = decode(&frame);
    }
}

fn blob_transaction(data: Vec<u8>, blob: Vec<u8>) -> Message {
    Message::Transaction {
        txn: 1,
        target: 1,
        token: [1; 16],
        code: 1,
        flags: 0,
        parent: 0,
        chain: Vec::new(),
        parcel: WireParcel {
            data,
            objects: Vec::new(),
            blob: Some(Box::new(blob)),
        },
    }
}

#[test]
fn a_borrowed_blob_encodes_like_an_owned_one() {
    let owned = blob_transaction(vec![3, 0, 0, 0], vec![1, 2, 3]);
    // The same message with the blob taken out, to be given apart.
    let mut bare = owned.clone();
    let Message::Transaction { parcel, .. } = &mut bare else {
        unreachable!()
    };
    let blob = parcel.blob.take().unwrap();
    let a = encode(&owned, 0).unwrap().to_vec();
    let b = encode_with_blob(&bare, 0, Some(blob.as_slice()))
        .unwrap()
        .to_vec();
    assert_eq!(a, b);
    assert_eq!(a[5], FRAME_BLOB);
    assert_eq!(a.len() % 4, 0, "the blob is padded");
    assert_eq!(decode(&a).unwrap(), owned);
}

#[test]
fn blobs_that_lie_are_rejected() {
    // The data must end with the blob's count.
    let wrong_count = blob_transaction(vec![4, 0, 0, 0], vec![1, 2, 3]);
    assert!(decode(&encode(&wrong_count, 0).unwrap().to_vec()).is_err());
    let no_data = blob_transaction(Vec::new(), vec![1, 2, 3]);
    assert!(decode(&encode(&no_data, 0).unwrap().to_vec()).is_err());
    // Only a parcel has a blob.
    let bye = Message::Bye { reason: "x".into() };
    assert!(encode_with_blob(&bye, 0, Some(&[1])).is_err());
    let mut frame = encode(&bye, 0).unwrap().to_vec();
    frame[5] = FRAME_BLOB;
    assert!(decode(&frame).is_err());
    // Unknown flags, and a blob longer than the frame.
    let good = encode(&blob_transaction(vec![3, 0, 0, 0], vec![1, 2, 3]), 0)
        .unwrap()
        .to_vec();
    let mut unknown = good.clone();
    unknown[5] |= 0x80;
    assert!(decode(&unknown).is_err());
    let mut long = good.clone();
    long[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&1000u32.to_le_bytes());
    assert!(decode(&long).is_err());
    assert!(blob_layout(good.len(), 1000u32.to_le_bytes()).is_err());
    assert!(blob_layout(good.len(), u32::MAX.to_le_bytes()).is_err());
}
