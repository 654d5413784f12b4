#include "gateway/core/time_text.h"

#include <charconv>
#include <cstdint>

namespace tollgate::core {

namespace {

void append_digits(std::string& out, std::uint64_t value, int width) {
  char text[20];
  for (int i = width - 1; i >= 0; --i) {
    text[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(text, static_cast<std::size_t>(width));
}

}  // namespace

void append_iso_millis(std::string& out, std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto millis = floor<milliseconds>(t);
  auto day = floor<days>(millis);
  year_month_day date{day};
  hh_mm_ss clock{floor<seconds>(millis - day)};
  append_digits(out, static_cast<std::uint64_t>(static_cast<int>(date.year())), 4);
  out += '-';
  append_digits(out, static_cast<unsigned>(date.month()), 2);
  out += '-';
  append_digits(out, static_cast<unsigned>(date.day()), 2);
  out += 'T';
  append_digits(out, static_cast<std::uint64_t>(clock.hours().count()), 2);
  out += ':';
  append_digits(out, static_cast<std::uint64_t>(clock.minutes().count()), 2);
  out += ':';
  append_digits(out, static_cast<std::uint64_t>(clock.seconds().count()), 2);
  out += '.';
  append_digits(out, static_cast<std::uint64_t>((millis - floor<seconds>(millis)).count()), 3);
  out += 'Z';
}

std::string iso_millis(std::chrono::system_clock::time_point t) {
  std::string out;
  append_iso_millis(out, t);
  return out;
}

void append_millis(std::string& out, std::chrono::nanoseconds d) {
  std::int64_t nanos = d.count();
  if (nanos < 0) out += '-';
  std::uint64_t magnitude =
      nanos < 0 ? 0 - static_cast<std::uint64_t>(nanos) : static_cast<std::uint64_t>(nanos);
  std::uint64_t micros = (magnitude + 500) / 1000;
  char text[24];
  auto [end, error] = std::to_chars(text, text + sizeof text, micros / 1000);
  (void)error;  // 24 bytes hold any uint64
  out.append(text, end);
  out += '.';
  append_digits(out, micros % 1000, 3);
}

}  // namespace tollgate::core
