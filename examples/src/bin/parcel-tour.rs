//! A tour of the Parcel: marshals the arguments of a call the way a generated proxy
//! does, prints the bytes annotated field by field, reads them back like a stub, and
//! shows what a reader does with truncated input.
//!
//! Run with `cargo run --release -p examples --bin parcel-tour`.

use anyhow::Result;
use ipc_core::{Parcel, Status, StatusCode};

const DESCRIPTOR: &str = "com.example.IGreeter";

fn main() -> Result<()> {
    // What a proxy writes for `greet(in String name, int times, @utf8InCpp String lang,
    // in int[] lucky, @nullable String nickname)`.
    let mut data = Parcel::new();
    let mut fields = Vec::new();
    let mark = |p: &Parcel, what: &str, fields: &mut Vec<(usize, String)>| {
        fields.push((p.data_position(), what.to_owned()));
    };
    mark(
        &data,
        "interface token: strict mode, work source, 'SYST', descriptor",
        &mut fields,
    );
    data.write_interface_token(DESCRIPTOR)?;
    mark(&data, "name: String (UTF-16)", &mut fields);
    data.write("Ada")?;
    mark(&data, "times: int", &mut fields);
    data.write(&3i32)?;
    mark(&data, "lang: @utf8InCpp String (UTF-8)", &mut fields);
    data.write(&ipc_core::codegen::Utf8("en"))?;
    mark(&data, "lucky: int[]", &mut fields);
    data.write(&[7i32, 13][..])?;
    mark(&data, "nickname: @nullable String = null", &mut fields);
    data.write(&None::<String>)?;
    fields.push((data.data_size(), String::new()));

    println!(
        "A call to {DESCRIPTOR}.greet marshals into {} bytes:\n",
        data.data_size()
    );
    for pair in fields.windows(2) {
        let ((start, what), (end, _)) = (&pair[0], &pair[1]);
        println!("  {what}");
        for chunk in data.data()[*start..*end].chunks(16) {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            println!("      {}", hex.join(" "));
        }
    }

    // What the stub reads, in the same order.
    data.set_data_position(0)?;
    data.enforce_interface(DESCRIPTOR)?;
    let name: String = data.read()?;
    let times: i32 = data.read()?;
    let lang: String = data.read::<ipc_core::codegen::Utf8<String>>()?.0;
    let lucky: Vec<i32> = data.read()?;
    let nickname: Option<String> = data.read()?;
    println!(
        "\nThe stub reads back: name={name:?} times={times} lang={lang:?} lucky={lucky:?} nickname={nickname:?}"
    );

    // A reply starts with the Status, here a service-specific error.
    let mut reply = Parcel::new();
    reply.write(&Status::new_service_specific_error(
        7,
        Some("too many greetings"),
    ))?;
    reply.set_data_position(0)?;
    println!(
        "A reply carrying an error reads as: {}",
        reply.read::<Status>()?
    );

    // Bad input is an error, never a panic or a huge allocation.
    let mut truncated = Parcel::from_bytes(&data.data()[..30]);
    let err = truncated
        .enforce_interface(DESCRIPTOR)
        .and_then(|()| truncated.read::<String>());
    println!(
        "Reading the same call truncated to 30 bytes: {:?}",
        err.unwrap_err()
    );
    let mut lying = Parcel::from_bytes(&i32::MAX.to_le_bytes());
    let err = lying.read::<Vec<i64>>().unwrap_err();
    assert_eq!(err, StatusCode::NOT_ENOUGH_DATA);
    println!(
        "An array claiming {} elements in 4 bytes of data: {err:?}",
        i32::MAX
    );
    Ok(())
}
