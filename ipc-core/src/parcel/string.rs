//! Strings: UTF-16 (AIDL `String`) and UTF-8 (`@utf8InCpp String`).
//!
//! Both are an `i32` length (in UTF-16 units or in bytes; -1 for null), the units or
//! bytes, a zero terminator unit, and padding to 4 bytes. Invalid UTF-16 or UTF-8, a
//! missing terminator, or a length beyond the data is an error.

use super::{Parcel, pad4};
use crate::{Result, StatusCode};

impl Parcel {
    /// Writes `s` as a non-null UTF-16 string.
    /// More than `i32::MAX` units is `BAD_VALUE`.
    pub fn write_str16(&mut self, s: &str) -> Result<()> {
        self.flatten();
        if s.is_ascii() && self.pos == self.data.len() {
            // The common case (descriptors, names): each byte widens to one unit.
            self.write_len(s.len())?;
            let start = self.data.len();
            self.data.resize(start + pad4((s.len() + 1) * 2), 0);
            for (unit, &byte) in self.data[start..].chunks_exact_mut(2).zip(s.as_bytes()) {
                unit[0] = byte;
            }
            self.pos = self.data.len();
            return Ok(());
        }
        let units = s.encode_utf16().count();
        self.write_len(units)?;
        let bytes = pad4((units + 1) * 2);
        if self.pos == self.data.len() {
            self.data.reserve(bytes);
            for unit in s.encode_utf16() {
                self.data.extend_from_slice(&unit.to_le_bytes());
            }
            self.data.resize(self.data.len() + bytes - units * 2, 0);
            self.pos = self.data.len();
        } else {
            let mut buf = Vec::with_capacity(bytes);
            for unit in s.encode_utf16() {
                buf.extend_from_slice(&unit.to_le_bytes());
            }
            buf.resize(bytes, 0);
            self.put(&buf);
        }
        Ok(())
    }

    /// Writes a nullable UTF-16 string (`None` is length -1).
    pub fn write_string16(&mut self, s: Option<&str>) -> Result<()> {
        match s {
            Some(s) => self.write_str16(s),
            None => {
                self.write_i32(-1);
                Ok(())
            }
        }
    }

    /// Reads the raw units of a UTF-16 string (without the terminator).
    fn read_units16(&mut self) -> Result<Option<&[u8]>> {
        let len = self.read_i32()?;
        if len == -1 {
            return Ok(None);
        }
        let units = usize::try_from(len).map_err(|_| StatusCode::BAD_VALUE)?;
        let byte_len = units
            .checked_add(1)
            .and_then(|n| n.checked_mul(2))
            .ok_or(StatusCode::BAD_VALUE)?;
        let bytes = self.take_padded(byte_len)?;
        let (text, terminator) = bytes.split_at(units * 2);
        if terminator != [0, 0] {
            return Err(StatusCode::BAD_VALUE);
        }
        Ok(Some(text))
    }

    /// Reads a nullable UTF-16 string.
    pub fn read_string16(&mut self) -> Result<Option<String>> {
        let Some(bytes) = self.read_units16()? else {
            return Ok(None);
        };
        let units = bytes
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]));
        let mut out = String::with_capacity(bytes.len() / 2);
        for c in char::decode_utf16(units) {
            out.push(c.map_err(|_| StatusCode::BAD_VALUE)?);
        }
        Ok(Some(out))
    }

    /// Reads a non-null UTF-16 string and compares it with `expected` without
    /// allocating. A null string is `UNEXPECTED_NULL`.
    pub(crate) fn read_str16_equals(&mut self, expected: &str) -> Result<bool> {
        let bytes = self.read_units16()?.ok_or(StatusCode::UNEXPECTED_NULL)?;
        let mut units = bytes
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]));
        let mut wanted = expected.encode_utf16();
        loop {
            match (units.next(), wanted.next()) {
                (None, None) => return Ok(true),
                (Some(a), Some(b)) if a == b => continue,
                _ => return Ok(false),
            }
        }
    }

    /// Writes `s` as a non-null UTF-8 string.
    /// More than `i32::MAX` bytes is `BAD_VALUE`.
    pub fn write_str8(&mut self, s: &str) -> Result<()> {
        self.write_len(s.len())?;
        let padded = pad4(s.len() + 1);
        self.put(s.as_bytes());
        self.put(&[0u8; 4][..padded - s.len()]);
        Ok(())
    }

    /// Writes a nullable UTF-8 string (`None` is length -1).
    pub fn write_string8(&mut self, s: Option<&str>) -> Result<()> {
        match s {
            Some(s) => self.write_str8(s),
            None => {
                self.write_i32(-1);
                Ok(())
            }
        }
    }

    /// Reads a nullable UTF-8 string.
    pub fn read_string8(&mut self) -> Result<Option<String>> {
        let len = self.read_i32()?;
        if len == -1 {
            return Ok(None);
        }
        let len = usize::try_from(len).map_err(|_| StatusCode::BAD_VALUE)?;
        let bytes = self.take_padded(len.checked_add(1).ok_or(StatusCode::BAD_VALUE)?)?;
        let (text, terminator) = bytes.split_at(len);
        if terminator != [0] {
            return Err(StatusCode::BAD_VALUE);
        }
        std::str::from_utf8(text)
            .map(|s| Some(s.to_owned()))
            .map_err(|_| StatusCode::BAD_VALUE)
    }
}
