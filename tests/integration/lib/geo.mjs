// GeoIP helpers for the geo tests: a MaxMind-format database written at test time (Perl's
// MaxMind::DB::Writer, Debian's libmaxmind-db-writer-perl), and requests sent from a
// chosen loopback source address (the whole of 127.0.0.0/8 is local on Linux), so the
// gateway sees each caller at the address the test's database places where it wants.
import { execFileSync } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";

const WRITER = `
use strict; use warnings;
use MaxMind::DB::Writer::Tree;
my %types = (country => 'map', continent => 'map', registered_country => 'map',
             iso_code => 'utf8_string', code => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
  ip_version => 6, record_size => 24, database_type => 'GeoLite2-Country',
  languages => ['en'], description => {en => 'tollgate test database'},
  # Loopback and private ranges are what the tests use: keep them.
  remove_reserved_networks => 0,
  map_key_type_callback => sub { $types{$_[0]} });
while (my $line = <STDIN>) {
  chomp $line;
  my ($network, $country, $continent) = split / /, $line;
  $tree->insert_network($network, {country => {iso_code => $country}, continent => {code => $continent}});
}
open my $out, '>:raw', $ARGV[0] or die "cannot write $ARGV[0]: $!";
$tree->write_tree($out);
close $out;
`;

// The test's places: 127.0.0.2 in Germany, 127.0.0.3 in the US, 127.0.0.4 in France;
// 127.0.0.5 is in no entry (unknown).
export const PLACES = {
  "127.0.0.2/32": ["DE", "EU"],
  "127.0.0.3/32": ["US", "NA"],
  "127.0.0.4/32": ["FR", "EU"],
  "10.9.0.0/16": ["JP", "AS"],
};

// Writes `places` ({network: [country, continent]}) as a database at `file`, atomically
// (written beside it, then renamed over it), as a new GeoLite2 release is dropped in place.
export function writeGeoDatabase(file, places = PLACES) {
  const lines = Object.entries(places).map(([net, [country, continent]]) => `${net} ${country} ${continent}`);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.new`);
  execFileSync("perl", ["-e", WRITER, tmp], { input: lines.join("\n") + "\n" });
  renameSync(tmp, file);
  return file;
}

// Writes bytes that are not a MaxMind database at `file` (atomically too).
export function writeCorruptDatabase(file) {
  const tmp = `${file}.bad`;
  writeFileSync(tmp, "this is not a MaxMind database\n".repeat(10));
  renameSync(tmp, file);
}

// POSTs `body` (JSON) to `url` with the client socket bound to `from`; returns
// {status, headers, body, json}.
export function postFrom(from, url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(url, {
      method: "POST",
      localAddress: from,
      agent: false,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data), ...headers },
      timeout: 15000,
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        let parsed = null;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json: parsed });
      });
    });
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end(data);
  });
}

// A chat request from `from` with `key` (and extra headers).
export function chatFrom(gw, from, { key, model = "gpt-test", headers = {} } = {}) {
  const h = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  return postFrom(from, `${gw.base}/v1/chat/completions`, { model, messages: [{ role: "user", content: "hello" }] }, h);
}
