// geo_bench: what the geo stage costs a request, in ns per lookup on one thread: the
// database lookup alone (libmaxminddb on the memory-mapped file, the two codes copied
// out) and the whole walk (the peer parsed, X-Forwarded-For behind a trusted proxy,
// then the lookup).
//   geo-bench [--database FILE] [--networks N] [--seconds S]
// Without --database it writes a country database of N (20000) random /24 networks with
// Perl's MaxMind::DB::Writer (libmaxmind-db-writer-perl) in a temporary directory; pass
// a GeoLite2-Country or DB-IP lite file to measure a real one. Addresses are drawn from
// a fixed seed, half of them inside the written networks.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "policies/geo/client_address.h"
#include "policies/geo/geo_database.h"

using namespace tollgate;
using namespace tollgate::policies::geo;

namespace {

struct Options {
  std::string database;
  std::size_t networks = 20000;
  double seconds = 2;
};

const char* kWriter = R"(
use strict; use warnings; use MaxMind::DB::Writer::Tree;
my %t = (country => 'map', continent => 'map', iso_code => 'utf8_string', code => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 28,
  database_type => 'GeoLite2-Country', languages => ['en'], description => {en => 'bench'},
  remove_reserved_networks => 0, map_key_type_callback => sub { $t{$_[0]} });
my @c = (['DE','EU'], ['FR','EU'], ['US','NA'], ['JP','AS'], ['BR','SA'], ['NG','AF']);
while (my $net = <STDIN>) { chomp $net; my $p = $c[length($net) % @c];
  $tree->insert_network($net, {country => {iso_code => $p->[0]}, continent => {code => $p->[1]}}); }
open my $o, '>:raw', $ARGV[0] or die; $tree->write_tree($o); close $o;
)";

std::string address_text(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

// Writes the database; returns its path, or "" when Perl could not.
std::string write_database(const std::vector<std::uint32_t>& networks) {
  auto dir = std::filesystem::temp_directory_path() / ("geo-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string script = (dir / "writer.pl").string(), list = (dir / "networks").string();
  std::string file = (dir / "bench.mmdb").string();
  std::ofstream(script) << kWriter;
  std::ofstream out(list);
  for (auto n : networks) out << address_text(n) << "/24\n";
  out.close();
  std::string command = "perl '" + script + "' '" + file + "' < '" + list + "'";
  return std::system(command.c_str()) == 0 ? file : "";
}

template <typename Fn>
void measure(const char* what, double seconds, std::size_t count, Fn fn) {
  std::size_t done = 0, found = 0;
  auto start = std::chrono::steady_clock::now();
  auto until = start + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    for (std::size_t i = 0; i < 4096; ++i) found += fn(done++ % count) ? 1 : 0;
  }
  double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
      static_cast<double>(done);
  std::printf("%-34s %8.1f ns per lookup  (%zu lookups, %.0f%% found)\n", what, ns, done,
              100.0 * static_cast<double>(found) / static_cast<double>(done));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--database") == 0)
      o.database = argv[i + 1];
    else if (std::strcmp(argv[i], "--networks") == 0)
      o.networks = std::strtoull(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--seconds") == 0)
      o.seconds = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: geo-bench [--database FILE] [--networks N] [--seconds S]\n");
      return 2;
    }
  }
  std::mt19937 random(42);
  std::vector<std::uint32_t> networks(o.networks);
  for (auto& n : networks) n = random() & 0xffffff00u;
  bool written = o.database.empty();
  if (written) {
    o.database = write_database(networks);
    if (o.database.empty()) {
      std::fprintf(stderr, "geo-bench: writing a database needs libmaxmind-db-writer-perl\n");
      return 1;
    }
  }
  // Half inside a written network, half anywhere.
  std::vector<IpAddress> addresses;
  std::vector<core::Headers> forwarded;
  for (std::size_t i = 0; i < 8192; ++i) {
    std::uint32_t a =
        i % 2 == 0 ? networks[random() % networks.size()] | (random() & 255) : random();
    addresses.push_back(*IpAddress::parse(address_text(a)));
    forwarded.emplace_back().add("x-forwarded-for", address_text(a) + ", 10.0.0.7");
  }
  GeoDatabase database(o.database);
  std::printf("geo-bench: %s\n", written ? "a written database" : o.database.c_str());
  // Mapped: the written file can go now.
  if (written) std::filesystem::remove_all(std::filesystem::path(o.database).parent_path());
  measure("lookup (address → country, continent)", o.seconds, addresses.size(),
          [&](std::size_t i) { return !database.lookup(addresses[i]).country.empty(); });
  std::vector<Network> trusted{*Network::parse("10.0.0.0/8")};
  auto peer = IpAddress::parse("10.0.0.1");
  measure("walk + lookup (behind a proxy)", o.seconds, addresses.size(), [&](std::size_t i) {
    auto client = client_address(peer, forwarded[i], trusted, ForwardedHeader::x_forwarded_for);
    return client && !database.lookup(*client).country.empty();
  });
  return 0;
}
