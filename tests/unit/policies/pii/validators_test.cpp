// The check-digit and number rules on their own, at their edges.
#include <catch2/catch.hpp>

#include "policies/pii/validators.h"

using namespace tollgate::policies::pii;

TEST_CASE("luhn accepts card numbers and refuses one wrong digit", "[pii]") {
  CHECK(luhn_valid("4111111111111111"));
  CHECK(luhn_valid("4111 1111 1111 1111"));
  CHECK(luhn_valid("378282246310005"));
  CHECK_FALSE(luhn_valid("4111111111111112"));
  CHECK_FALSE(luhn_valid("378282246310006"));
}

TEST_CASE("iban: country lengths and mod-97", "[pii]") {
  CHECK(iban_length("DE") == 22);
  CHECK(iban_length("GB") == 22);
  CHECK(iban_length("NO") == 15);
  CHECK(iban_length("US") == 0);
  CHECK(iban_checksum_valid("DE89370400440532013000"));
  CHECK(iban_checksum_valid("GB82WEST12345698765432"));
  CHECK(iban_checksum_valid("FR1420041010050500013M02606"));
  CHECK_FALSE(iban_checksum_valid("DE89370400440532013001"));
  CHECK_FALSE(iban_checksum_valid("DE88370400440532013000"));
  CHECK_FALSE(iban_checksum_valid("de89370400440532013000"));
}

TEST_CASE("ssn: area, group and serial rules", "[pii]") {
  CHECK(ssn_valid("123456789"));
  CHECK(ssn_valid("899991234"));
  CHECK_FALSE(ssn_valid("000123456"));
  CHECK_FALSE(ssn_valid("666123456"));
  CHECK_FALSE(ssn_valid("900123456"));
  CHECK_FALSE(ssn_valid("123001234"));
  CHECK_FALSE(ssn_valid("123450000"));
  CHECK_FALSE(ssn_valid("078051120"));
  CHECK_FALSE(ssn_valid("12345678"));
}

TEST_CASE("ipv4: four octets up to 255, no leading zeros", "[pii]") {
  CHECK(ipv4_valid("192.168.1.1"));
  CHECK(ipv4_valid("0.0.0.0"));
  CHECK(ipv4_valid("255.255.255.255"));
  CHECK_FALSE(ipv4_valid("256.1.1.1"));
  CHECK_FALSE(ipv4_valid("1.2.3"));
  CHECK_FALSE(ipv4_valid("1.2.3.4.5"));
  CHECK_FALSE(ipv4_valid("01.2.3.4"));
  CHECK_FALSE(ipv4_valid("1..3.4"));
}

TEST_CASE("ipv6: full and compressed forms, precise about short ones", "[pii]") {
  CHECK(ipv6_valid("2001:0db8:85a3:0000:0000:8a2e:0370:7334"));
  CHECK(ipv6_valid("2001:db8::1"));
  CHECK(ipv6_valid("fe80::1ff:fe23:4567:890a"));
  CHECK(ipv6_valid("::ffff:192.0.2.128"));
  CHECK(ipv6_valid("2001:db8::"));
  CHECK_FALSE(ipv6_valid("::1"));
  CHECK_FALSE(ipv6_valid("a::b"));
  CHECK_FALSE(ipv6_valid("12:30:45"));
  CHECK_FALSE(ipv6_valid("00:1A:2B:3C:4D:5E"));
  CHECK_FALSE(ipv6_valid("2001:db8::1::2"));
  CHECK_FALSE(ipv6_valid("2001:db8:::1"));
  CHECK_FALSE(ipv6_valid(":2001:db8::1"));
  CHECK_FALSE(ipv6_valid("12345::1"));
}
