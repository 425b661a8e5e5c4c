//! The error model: transport-level [`StatusCode`]s, AIDL-level [`ExceptionCode`]s and
//! [`Status`], the value every AIDL method returns and every reply parcel starts with.
//!
//! Both codes keep Android's numeric values and convert losslessly to and from `i32`:
//! they are newtypes over the wire value, so a code this crate has no name for (sent by
//! a newer peer) still round-trips unchanged.

use std::fmt;

use crate::parcel::{Deserialize, Parcel, Serialize};

/// A transport-level result code (Android's `status_t`).
///
/// `StatusCode::OK` is zero; every error is negative. Values without a name here are
/// kept as they are and print as `StatusCode(-1234)`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusCode(i32);

macro_rules! codes {
    ($ty:ident { $($(#[$doc:meta])* $name:ident = $value:expr,)* }) => {
        impl $ty {
            $($(#[$doc])* pub const $name: $ty = $ty($value);)*

            /// The code's Android name, if it has one.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $(v if v == $value => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

codes!(StatusCode {
    /// Success.
    OK = 0,
    /// An error with no more specific code.
    UNKNOWN_ERROR = i32::MIN,
    /// Out of memory.
    NO_MEMORY = -libc::ENOMEM,
    /// The operation is not valid in this state.
    INVALID_OPERATION = -libc::ENOSYS,
    /// A value was out of range or malformed.
    BAD_VALUE = -libc::EINVAL,
    /// A value had the wrong type (for example a wrong interface descriptor).
    BAD_TYPE = i32::MIN + 1,
    /// A name was not found.
    NAME_NOT_FOUND = -libc::ENOENT,
    /// The caller may not do this.
    PERMISSION_DENIED = -libc::EPERM,
    /// Not initialised.
    NO_INIT = -libc::ENODEV,
    /// Already exists.
    ALREADY_EXISTS = -libc::EEXIST,
    /// The target object's process died or its connection was lost.
    DEAD_OBJECT = -libc::EPIPE,
    /// The transaction could not be delivered (for example it was too large).
    FAILED_TRANSACTION = i32::MIN + 2,
    /// An index or length was out of range.
    BAD_INDEX = -libc::EOVERFLOW,
    /// A read ran past the end of the data.
    NOT_ENOUGH_DATA = -libc::ENODATA,
    /// The operation would block.
    WOULD_BLOCK = -libc::EWOULDBLOCK,
    /// The operation timed out.
    TIMED_OUT = -libc::ETIMEDOUT,
    /// The target does not know this transaction code.
    UNKNOWN_TRANSACTION = -libc::EBADMSG,
    /// File descriptors are not allowed in this parcel.
    FDS_NOT_ALLOWED = i32::MIN + 7,
    /// A value that may not be null was null.
    UNEXPECTED_NULL = i32::MIN + 8,
});

impl StatusCode {
    /// The wire value.
    pub const fn as_i32(self) -> i32 {
        self.0
    }

    /// Whether this is `OK`.
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }
}

impl From<i32> for StatusCode {
    fn from(value: i32) -> Self {
        StatusCode(value)
    }
}

impl From<StatusCode> for i32 {
    fn from(code: StatusCode) -> Self {
        code.0
    }
}

impl fmt::Debug for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "StatusCode({})", self.0),
        }
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "status {}", self.0),
        }
    }
}

impl std::error::Error for StatusCode {}

/// An AIDL exception code (Android's `binder::Status::Exception`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExceptionCode(i32);

codes!(ExceptionCode {
    /// No exception.
    NONE = 0,
    /// The caller lacks a permission.
    SECURITY = -1,
    /// A parcelable could not be read.
    BAD_PARCELABLE = -2,
    /// An argument was invalid.
    ILLEGAL_ARGUMENT = -3,
    /// A null value where none is allowed.
    NULL_POINTER = -4,
    /// The service is in the wrong state for the call.
    ILLEGAL_STATE = -5,
    /// Network access on the main thread (kept for numbering; unused here).
    NETWORK_MAIN_THREAD = -6,
    /// The operation is not supported.
    UNSUPPORTED_OPERATION = -7,
    /// A service-specific error; see [`Status::service_specific_error`].
    SERVICE_SPECIFIC = -8,
    /// A parcelable exception (its payload is not carried).
    PARCELABLE = -9,
    /// Java's reply-header marker; a reader skips the header and treats it as `NONE`.
    HAS_REPLY_HEADER = -128,
    /// The transaction itself failed; see [`Status::transaction_error`].
    TRANSACTION_FAILED = -129,
});

impl ExceptionCode {
    /// The wire value.
    pub const fn as_i32(self) -> i32 {
        self.0
    }
}

impl From<i32> for ExceptionCode {
    fn from(value: i32) -> Self {
        ExceptionCode(value)
    }
}

impl From<ExceptionCode> for i32 {
    fn from(code: ExceptionCode) -> Self {
        code.0
    }
}

impl fmt::Debug for ExceptionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "ExceptionCode({})", self.0),
        }
    }
}

impl fmt::Display for ExceptionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The outcome of an AIDL call: OK, an exception with a message, a service-specific
/// error code with a message, or a failed transaction carrying a [`StatusCode`].
#[derive(Clone, PartialEq, Eq)]
pub struct Status {
    exception: ExceptionCode,
    /// The service-specific code, or the transaction's `StatusCode` as an `i32`.
    error_code: i32,
    message: String,
}

/// What AIDL methods return.
pub type BinderResult<T> = std::result::Result<T, Status>;

impl Status {
    /// The OK status.
    pub fn ok() -> Status {
        Status {
            exception: ExceptionCode::NONE,
            error_code: 0,
            message: String::new(),
        }
    }

    /// An exception with an optional message. `SERVICE_SPECIFIC` gets error code 0 and
    /// `TRANSACTION_FAILED` gets `UNKNOWN_ERROR`; use the dedicated constructors for those.
    pub fn new_exception(exception: ExceptionCode, message: Option<&str>) -> Status {
        if exception == ExceptionCode::NONE {
            return Status::ok();
        }
        let error_code = if exception == ExceptionCode::TRANSACTION_FAILED {
            StatusCode::UNKNOWN_ERROR.as_i32()
        } else {
            0
        };
        Status {
            exception,
            error_code,
            message: message.unwrap_or_default().to_owned(),
        }
    }

    /// A service-specific error: an application-defined code and an optional message.
    pub fn new_service_specific_error(code: i32, message: Option<&str>) -> Status {
        Status {
            exception: ExceptionCode::SERVICE_SPECIFIC,
            error_code: code,
            message: message.unwrap_or_default().to_owned(),
        }
    }

    /// A failed transaction (`TRANSACTION_FAILED` with the transport's status code).
    /// `StatusCode::OK` gives the OK status.
    pub fn from_status_code(code: StatusCode) -> Status {
        if code.is_ok() {
            return Status::ok();
        }
        Status {
            exception: ExceptionCode::TRANSACTION_FAILED,
            error_code: code.as_i32(),
            message: String::new(),
        }
    }

    /// A failed transaction with an explanation for people (shown by `Display`;
    /// the code is what travels and what callers branch on).
    pub fn new_transaction_failure(code: StatusCode, message: &str) -> Status {
        Status {
            message: message.to_owned(),
            ..Status::from_status_code(code)
        }
    }

    /// Whether this is OK.
    pub fn is_ok(&self) -> bool {
        self.exception == ExceptionCode::NONE
    }

    /// The exception code (`NONE` when OK).
    pub fn exception_code(&self) -> ExceptionCode {
        self.exception
    }

    /// The service-specific error code, or 0 when this is not a service-specific error.
    pub fn service_specific_error(&self) -> i32 {
        if self.exception == ExceptionCode::SERVICE_SPECIFIC {
            self.error_code
        } else {
            0
        }
    }

    /// The transaction's status code: `OK` unless this is `TRANSACTION_FAILED`.
    pub fn transaction_error(&self) -> StatusCode {
        if self.exception == ExceptionCode::TRANSACTION_FAILED {
            StatusCode(self.error_code)
        } else {
            StatusCode::OK
        }
    }

    /// The message (empty when none was given).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl Default for Status {
    fn default() -> Self {
        Status::ok()
    }
}

impl From<StatusCode> for Status {
    fn from(code: StatusCode) -> Self {
        Status::from_status_code(code)
    }
}

impl From<ExceptionCode> for Status {
    fn from(exception: ExceptionCode) -> Self {
        Status::new_exception(exception, None)
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ok() {
            return f.write_str("OK");
        }
        if self.exception == ExceptionCode::TRANSACTION_FAILED {
            write!(f, "transaction failed: {}", StatusCode(self.error_code))?;
        } else if self.exception == ExceptionCode::SERVICE_SPECIFIC {
            write!(f, "service-specific error {}", self.error_code)?;
        } else {
            write!(f, "exception {}", self.exception)?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Status {}

/// Android's `Status::writeToParcel`: the exception code; then, unless `NONE`, the
/// message as UTF-16, an empty remote-stack-trace header (`i32` 0), and the
/// service-specific code or an empty parcelable payload size where the exception
/// needs one. A `TRANSACTION_FAILED` status is not written: it fails the write with
/// its code, so the transaction itself fails, as Android does.
impl Serialize for Status {
    fn serialize(&self, parcel: &mut Parcel) -> crate::Result<()> {
        if self.exception == ExceptionCode::TRANSACTION_FAILED {
            return Err(StatusCode(self.error_code));
        }
        parcel.write_i32(self.exception.0);
        if self.exception == ExceptionCode::NONE {
            return Ok(());
        }
        parcel.write_str16(&self.message)?;
        parcel.write_i32(0);
        if self.exception == ExceptionCode::SERVICE_SPECIFIC {
            parcel.write_i32(self.error_code);
        } else if self.exception == ExceptionCode::PARCELABLE {
            parcel.write_i32(0);
        }
        Ok(())
    }
}

/// Android's `Status::readFromParcel`, including Java's reply-header form.
impl Deserialize for Status {
    fn deserialize(parcel: &mut Parcel) -> crate::Result<Self> {
        let mut exception = ExceptionCode(parcel.read_i32()?);
        if exception == ExceptionCode::HAS_REPLY_HEADER {
            skip_header(parcel)?;
            exception = ExceptionCode::NONE;
        }
        if exception == ExceptionCode::NONE {
            return Ok(Status::ok());
        }
        let message = parcel.read_string16()?.unwrap_or_default();
        skip_header(parcel)?;
        let error_code = if exception == ExceptionCode::SERVICE_SPECIFIC {
            parcel.read_i32()?
        } else if exception == ExceptionCode::PARCELABLE {
            skip_header(parcel)?;
            0
        } else if exception == ExceptionCode::TRANSACTION_FAILED {
            // Never written by a conforming peer; keep it meaningful if one does.
            StatusCode::FAILED_TRANSACTION.as_i32()
        } else {
            0
        };
        Ok(Status {
            exception,
            error_code,
            message,
        })
    }
}

/// Skips an `i32` size-prefixed header whose size counts the prefix itself.
fn skip_header(parcel: &mut Parcel) -> crate::Result<()> {
    let start = parcel.data_position();
    let size = parcel.read_i32()?;
    if size == 0 {
        return Ok(());
    }
    let size = usize::try_from(size).map_err(|_| StatusCode::BAD_VALUE)?;
    if size < 4 || size > parcel.data_size() - start {
        return Err(StatusCode::BAD_VALUE);
    }
    parcel.set_data_position(start + size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn android_numeric_values() {
        let expected = [
            (StatusCode::OK, 0),
            (StatusCode::UNKNOWN_ERROR, -2147483648),
            (StatusCode::NO_MEMORY, -12),
            (StatusCode::INVALID_OPERATION, -38),
            (StatusCode::BAD_VALUE, -22),
            (StatusCode::BAD_TYPE, -2147483647),
            (StatusCode::NAME_NOT_FOUND, -2),
            (StatusCode::PERMISSION_DENIED, -1),
            (StatusCode::NO_INIT, -19),
            (StatusCode::ALREADY_EXISTS, -17),
            (StatusCode::DEAD_OBJECT, -32),
            (StatusCode::FAILED_TRANSACTION, -2147483646),
            (StatusCode::BAD_INDEX, -75),
            (StatusCode::NOT_ENOUGH_DATA, -61),
            (StatusCode::WOULD_BLOCK, -11),
            (StatusCode::TIMED_OUT, -110),
            (StatusCode::UNKNOWN_TRANSACTION, -74),
            (StatusCode::FDS_NOT_ALLOWED, -2147483641),
            (StatusCode::UNEXPECTED_NULL, -2147483640),
        ];
        for (code, value) in expected {
            assert_eq!(code.as_i32(), value, "{code:?}");
        }
        let exceptions = [
            (ExceptionCode::SECURITY, -1),
            (ExceptionCode::BAD_PARCELABLE, -2),
            (ExceptionCode::ILLEGAL_ARGUMENT, -3),
            (ExceptionCode::NULL_POINTER, -4),
            (ExceptionCode::ILLEGAL_STATE, -5),
            (ExceptionCode::UNSUPPORTED_OPERATION, -7),
            (ExceptionCode::SERVICE_SPECIFIC, -8),
            (ExceptionCode::PARCELABLE, -9),
            (ExceptionCode::TRANSACTION_FAILED, -129),
        ];
        for (code, value) in exceptions {
            assert_eq!(code.as_i32(), value, "{code:?}");
        }
    }

    #[test]
    fn conversions_are_lossless_for_every_value() {
        for value in [i32::MIN, i32::MIN + 3, -1000, -75, -1, 0, 1, 77, i32::MAX] {
            assert_eq!(i32::from(StatusCode::from(value)), value);
            assert_eq!(i32::from(ExceptionCode::from(value)), value);
        }
        assert_eq!(
            format!("{:?}", StatusCode::from(-1234)),
            "StatusCode(-1234)"
        );
        assert_eq!(format!("{:?}", StatusCode::DEAD_OBJECT), "DEAD_OBJECT");
    }

    fn encode(status: &Status) -> Vec<u8> {
        let mut parcel = Parcel::new();
        parcel.write(status).unwrap();
        parcel.data().to_vec()
    }

    #[test]
    fn ok_is_a_single_zero() {
        assert_eq!(encode(&Status::ok()), [0, 0, 0, 0]);
    }

    #[test]
    fn service_specific_layout_matches_android() {
        let bytes = encode(&Status::new_service_specific_error(42, Some("hi")));
        let mut expected = Vec::new();
        expected.extend((-8i32).to_le_bytes());
        expected.extend(2i32.to_le_bytes()); // message length in UTF-16 units
        expected.extend([b'h', 0, b'i', 0, 0, 0, 0, 0]); // units, terminator, padding
        expected.extend(0i32.to_le_bytes()); // empty remote stack trace header
        expected.extend(42i32.to_le_bytes());
        assert_eq!(bytes, expected);
    }

    #[test]
    fn exception_round_trips() {
        for status in [
            Status::ok(),
            Status::new_exception(ExceptionCode::ILLEGAL_ARGUMENT, Some("bad arg")),
            Status::new_exception(ExceptionCode::SECURITY, None),
            Status::new_exception(ExceptionCode::PARCELABLE, Some("p")),
            Status::new_service_specific_error(-7, Some("nope")),
        ] {
            let mut parcel = Parcel::new();
            parcel.write(&status).unwrap();
            parcel.set_data_position(0).unwrap();
            assert_eq!(parcel.read::<Status>().unwrap(), status);
            assert_eq!(parcel.data_avail(), 0);
        }
    }

    #[test]
    fn transaction_failed_fails_the_write() {
        let status = Status::from(StatusCode::DEAD_OBJECT);
        assert_eq!(status.transaction_error(), StatusCode::DEAD_OBJECT);
        let mut parcel = Parcel::new();
        assert_eq!(parcel.write(&status), Err(StatusCode::DEAD_OBJECT));
    }

    #[test]
    fn java_reply_header_is_skipped() {
        let mut parcel = Parcel::new();
        parcel.write_i32(ExceptionCode::HAS_REPLY_HEADER.as_i32());
        parcel.write_i32(8); // header size including itself
        parcel.write_i32(0x1234); // header payload
        parcel.write_i32(99); // the return value that follows
        parcel.set_data_position(0).unwrap();
        assert!(parcel.read::<Status>().unwrap().is_ok());
        assert_eq!(parcel.read_i32(), Ok(99));
    }

    #[test]
    fn display_is_readable() {
        let s = Status::new_service_specific_error(3, Some("quota"));
        assert_eq!(s.to_string(), "service-specific error 3: quota");
        assert_eq!(
            Status::from(StatusCode::DEAD_OBJECT).to_string(),
            "transaction failed: DEAD_OBJECT (-32)"
        );
    }
}
