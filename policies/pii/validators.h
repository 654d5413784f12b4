// Checks that turn a pattern's candidate into a finding: check digits and number rules
// that a regular expression cannot express. Pure functions over the candidate's text.
#pragma once

#include <cstddef>
#include <string_view>

namespace tollgate::policies::pii {

// The Luhn check over the digits of `text` (other bytes are skipped).
bool luhn_valid(std::string_view text);

// The IBAN length of a country (ISO 13616 registry), 0 when the code has no IBAN.
std::size_t iban_length(std::string_view country);

// ISO 13616 mod-97: `iban` without spaces, upper-case letters and digits only.
bool iban_checksum_valid(std::string_view iban);

// US SSN rules on 9 digits (no separators): area 001-899 but not 666, group 01-99, serial
// 0001-9999, and not one of the numbers made public in advertising (078-05-1120, 219-09-9999).
bool ssn_valid(std::string_view digits);

// Dotted-quad IPv4: four decimal octets, each at most 255, no leading zero.
bool ipv4_valid(std::string_view text);

// IPv6 text (RFC 4291 2.2): eight groups, or fewer with one "::", optionally ending in a
// dotted quad. For precision, the compressed forms also need two groups, one of at least
// three digits: "fe80::1" is an address, "a::b" and "::1" are not reported.
bool ipv6_valid(std::string_view text);

}  // namespace tollgate::policies::pii
