//! Reading JSON bodies as ServiceStack does: member names match the DTO's fields case-insensitively, so
//! camelCase (TS, Python) and PascalCase (.NET clients, .NET Framework hosts) both bind. Writing JSON is plain
//! `serde_json` with the DTO's serde attributes.
//!
//! [`CaseInsensitive`] wraps any serde deserializer; struct member names are mapped to the declared field that
//! matches ignoring ASCII case (an exact match wins). Maps keep their keys as sent. Enums are read as
//! ServiceStack's JSON reader reads them, and as the JSV reader (so query strings and forms) does: a name in any
//! case, or a number (as a JSON number or a string of digits) that is the member's declaration index.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, Visitor};

use std::borrow::Cow;

use crate::jsv::{match_name, ScalarEnum};

/// Reads a `T` from JSON with case-insensitive member names.
pub fn from_str<T: DeserializeOwned>(input: &str) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(input);
    let value = T::deserialize(CaseInsensitive(&mut de))?;
    de.end()?;
    Ok(value)
}

/// Reads a `T` from JSON bytes with case-insensitive member names.
pub fn from_slice<T: DeserializeOwned>(input: &[u8]) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(input);
    let value = T::deserialize(CaseInsensitive(&mut de))?;
    de.end()?;
    Ok(value)
}

/// A deserializer adapter that matches struct member names case-insensitively, at every depth.
pub struct CaseInsensitive<D>(pub D);

struct Wrap<V> {
    visitor: V,
    fields: Option<&'static [&'static str]>,
}

fn wrap<V>(visitor: V) -> Wrap<V> {
    Wrap { visitor, fields: None }
}

macro_rules! forward_deserialize {
    ($($method:ident),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(wrap(visitor))
        })*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for CaseInsensitive<D> {
    type Error = D::Error;

    forward_deserialize!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, wrap(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, wrap(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, wrap(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, wrap(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, Wrap { visitor, fields: Some(fields) })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        // Not `deserialize_enum`: serde_json would take only an exact name. Looking at what is there instead
        // lets a name match in any case and a number stand for the member, by the same rule as JSV's.
        self.0.deserialize_any(EnumVisitor { visitor, variants })
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.visitor.$method(v)
        })*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    );

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.visitor.visit_some(CaseInsensitive(d))
    }

    fn visit_newtype_struct<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.visitor.visit_newtype_struct(CaseInsensitive(d))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        // serde's derived structs also read a list, member by member in declared order; ServiceStack does not, and
        // `{"billingSettings":[null,null]}` must not quietly become default settings.
        if self.fields.is_some() {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self.visitor));
        }
        self.visitor.visit_seq(SeqWrap(seq))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(MapWrap { map, fields: self.fields })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(EnumWrap(data))
    }
}

/// Reads an enum from whatever JSON holds: a name or a number (a unit variant, by [`ScalarEnum`]'s rule), or
/// `{"Variant": value}` (a variant with data, its name matched case-insensitively).
struct EnumVisitor<V> {
    visitor: V,
    variants: &'static [&'static str],
}

impl<'de, V: Visitor<'de>> Visitor<'de> for EnumVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "one of {:?} (any case) or its number", self.variants)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.visitor.visit_enum(ScalarEnum::<E>::new(Cow::Borrowed(v), self.variants))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.visitor.visit_enum(ScalarEnum::<E>::new(Cow::Owned(v.to_string()), self.variants))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let map = MapWrap { map, fields: Some(self.variants) };
        self.visitor.visit_enum(de::value::MapAccessDeserializer::new(map))
    }
}

/// A seed whose value is read through [`CaseInsensitive`].
struct SeedWrap<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for SeedWrap<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(CaseInsensitive(d))
    }
}

/// A key seed that renames the key to the declared field it matches.
struct KeySeed<S> {
    seed: S,
    fields: &'static [&'static str],
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        struct KeyText;
        impl Visitor<'_> for KeyText {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
                Ok(v.to_owned())
            }
        }
        let key = d.deserialize_str(KeyText)?;
        let name = match_name(&key, self.fields).into_owned();
        self.seed.deserialize(de::value::StringDeserializer::<D::Error>::new(name))
    }
}

struct SeqWrap<A>(A);

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for SeqWrap<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(SeedWrap(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

struct MapWrap<A> {
    map: A,
    fields: Option<&'static [&'static str]>,
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for MapWrap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        match self.fields {
            Some(fields) => self.map.next_key_seed(KeySeed { seed, fields }),
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.map.next_value_seed(SeedWrap(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

struct EnumWrap<A>(A);

impl<'de, A: de::EnumAccess<'de>> de::EnumAccess<'de> for EnumWrap<A> {
    type Error = A::Error;
    type Variant = VariantWrap<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(seed)?;
        Ok((value, VariantWrap(variant)))
    }
}

struct VariantWrap<A>(A);

impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for VariantWrap<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(SeedWrap(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, wrap(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Wrap { visitor, fields: Some(fields) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Outer {
        customer_id: String,
        inner: Option<Inner>,
        #[serde(default)]
        list: Vec<Inner>,
        #[serde(default)]
        data: BTreeMap<String, Inner>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Inner {
        string_value: String,
    }

    #[test]
    fn pascal_case_bodies_bind_at_every_depth_and_map_keys_stay() {
        let read: Outer = from_str(
            r#"{"CustomerId":"c1","Inner":{"StringValue":"a"},"LIST":[{"stringvalue":"b"}],"Data":{"Tier":{"StringValue":"c"}}}"#,
        )
        .expect("reads");
        assert_eq!(read.customer_id, "c1");
        assert_eq!(read.inner, Some(Inner { string_value: "a".into() }));
        assert_eq!(read.list[0].string_value, "b");
        assert_eq!(read.data["Tier"].string_value, "c");
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum SortOrder {
        Ascend,
        Descend,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Sorted {
        sort_order: SortOrder,
        #[serde(default)]
        orders: Vec<SortOrder>,
    }

    #[test]
    fn enums_read_by_name_in_any_case_or_by_number() {
        for body in [
            r#"{"sortOrder":"Descend"}"#,
            r#"{"sortOrder":"descend"}"#,
            r#"{"sortOrder":"DESCEND"}"#,
            r#"{"sortOrder":1}"#,
            r#"{"sortOrder":"1"}"#,
        ] {
            assert_eq!(from_str::<Sorted>(body).expect(body).sort_order, SortOrder::Descend, "{body}");
        }
        let nested: Sorted = from_str(r#"{"sortOrder":0,"orders":["ascend",1]}"#).expect("reads");
        assert_eq!(nested.orders, [SortOrder::Ascend, SortOrder::Descend]);
        // Through a `serde_json::Value` too: that is how a JSON body's members reach binding.
        let value = serde_json::json!({"SortOrder": "descend"});
        assert_eq!(Sorted::deserialize(CaseInsensitive(&value)).expect("reads").sort_order, SortOrder::Descend);
        for bad in [r#"{"sortOrder":"Sideways"}"#, r#"{"sortOrder":2}"#, r#"{"sortOrder":-1}"#, r#"{"sortOrder":1.5}"#]
        {
            assert!(from_str::<Sorted>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_are_serde_jsons() {
        let err = from_str::<Outer>(r#"{"customerId":1}"#).expect_err("wrong type");
        assert_eq!(err.line(), 1);
        assert!(from_str::<Outer>(r#"{"customerId":"x"} trailing"#).is_err());
    }
}

#[cfg(test)]
mod struct_shape_tests {
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Inner {
        a: Option<i64>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Outer {
        inner: Option<Inner>,
        list: Vec<i64>,
    }

    #[test]
    fn a_list_is_not_read_as_an_object() {
        assert!(super::from_str::<Outer>(r#"{"inner":[null]}"#).is_err());
        assert!(super::from_str::<Outer>(r#"[null, []]"#).is_err());
        let fine = super::from_str::<Outer>(r#"{"INNER":{"A":1},"list":[1,2]}"#).expect("an object and a list");
        assert_eq!((fine.inner.and_then(|i| i.a), fine.list), (Some(1), vec![1, 2]));
    }
}
