// Test certificates made fresh by GnuTLS's certtool (gnutls-bin) in a temporary directory: a
// CA, a server certificate for 127.0.0.1/localhost signed by it, a client certificate signed by
// it, and a second, unrelated CA with its own client certificate. ECDSA keys: quick to make.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace adwatch::testing {

class TestCerts {
 public:
  TestCerts() {
    char tmpl[] = "/tmp/adwatch_tls_XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    dir_ = made != nullptr ? made : "";
    ok_ = !dir_.empty() && MakeCa("ca") && MakeCa("other_ca") &&
          MakeLeaf("server", "ca",
                   "cn = \"localhost\"\ndns_name = \"localhost\"\n"
                   "ip_address = \"127.0.0.1\"\ntls_www_server\n") &&
          MakeLeaf("client", "ca", "cn = \"prometheus\"\ntls_www_client\n") &&
          MakeLeaf("stranger", "other_ca", "cn = \"stranger\"\ntls_www_client\n");
  }
  ~TestCerts() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  TestCerts(const TestCerts&) = delete;
  TestCerts& operator=(const TestCerts&) = delete;

  bool ok() const { return ok_; }
  const std::string& dir() const { return dir_; }
  /// `<dir>/<name>.pem` (certificate) or `<dir>/<name>.key`.
  std::string Pem(const std::string& name) const { return dir_ + "/" + name + ".pem"; }
  std::string Key(const std::string& name) const { return dir_ + "/" + name + ".key"; }

 private:
  bool Run(const std::string& command) const {
    return std::system((command + " >>" + dir_ + "/certtool.log 2>&1").c_str()) == 0;
  }
  bool Template(const std::string& name, const std::string& body) const {
    std::ofstream(dir_ + "/" + name + ".tmpl") << body << "expiration_days = 2\n";
    return true;
  }
  bool MakeKey(const std::string& name) const {
    return Run("certtool --generate-privkey --key-type=ecdsa --outfile " + Key(name));
  }
  bool MakeCa(const std::string& name) const {
    return Template(name, "cn = \"adwatch test " + name + "\"\nca\ncert_signing_key\n") &&
           MakeKey(name) &&
           Run("certtool --generate-self-signed --load-privkey " + Key(name) + " --template " +
               dir_ + "/" + name + ".tmpl --outfile " + Pem(name));
  }
  bool MakeLeaf(const std::string& name, const std::string& ca, const std::string& body) const {
    return Template(name, body + "signing_key\nencryption_key\n") && MakeKey(name) &&
           Run("certtool --generate-certificate --load-privkey " + Key(name) +
               " --load-ca-certificate " + Pem(ca) + " --load-ca-privkey " + Key(ca) +
               " --template " + dir_ + "/" + name + ".tmpl --outfile " + Pem(name));
  }

  std::string dir_;
  bool ok_ = false;
};

}  // namespace adwatch::testing
