// A strict, independent JSON checker for the tests and fuzz targets that
// judge pmdcon-rx's output: RFC 8259 values (objects, arrays, strings,
// numbers, literals), strings in well-formed UTF-8 (decoded and range-checked:
// no overlong forms, surrogates or code points above U+10FFFF), only the
// escapes JSON allows and no raw control character. Header-only, no I/O.
#ifndef PMDCON_TESTS_RX_STRICT_JSON_H_
#define PMDCON_TESTS_RX_STRICT_JSON_H_

#include <cctype>
#include <cstdint>
#include <string_view>

namespace pmdcon::testing {

class StrictJson {
 public:
  // Is `text` exactly one JSON value (surrounding whitespace allowed)?
  static bool Valid(std::string_view text) {
    StrictJson p(text);
    p.Space();
    if (!p.Value(0)) return false;
    p.Space();
    return p.i_ == text.size();
  }
  // Is `text` exactly one JSON string?
  static bool ValidString(std::string_view text) {
    StrictJson p(text);
    return p.String() && p.i_ == text.size();
  }

 private:
  explicit StrictJson(std::string_view s) : s_(s) {}

  bool Eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void Space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' ||
                              s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool Value(int depth) {
    if (depth > 64 || i_ >= s_.size()) return false;
    switch (s_[i_]) {
      case '{':
        return Object(depth);
      case '[':
        return Array(depth);
      case '"':
        return String();
      case 't':
        return Word("true");
      case 'f':
        return Word("false");
      case 'n':
        return Word("null");
      default:
        return Number();
    }
  }
  bool Word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool Digits() {
    const size_t from = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])))
      ++i_;
    return i_ > from;
  }
  bool Number() {
    Eat('-');
    if (Eat('0')) {
      // no leading zeros
    } else if (!Digits()) {
      return false;
    }
    if (Eat('.') && !Digits()) return false;
    if (Eat('e') || Eat('E')) {
      if (!Eat('+')) Eat('-');
      if (!Digits()) return false;
    }
    return true;
  }
  bool Object(int depth) {
    Eat('{');
    Space();
    if (Eat('}')) return true;
    do {
      Space();
      if (!String()) return false;
      Space();
      if (!Eat(':')) return false;
      Space();
      if (!Value(depth + 1)) return false;
      Space();
    } while (Eat(','));
    return Eat('}');
  }
  bool Array(int depth) {
    Eat('[');
    Space();
    if (Eat(']')) return true;
    do {
      Space();
      if (!Value(depth + 1)) return false;
      Space();
    } while (Eat(','));
    return Eat(']');
  }
  bool String() {
    if (!Eat('"')) return false;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) return false;
        const char e = s_[i_ + 1];
        if (e == 'u') {
          if (i_ + 6 > s_.size()) return false;
          for (size_t k = 2; k < 6; ++k) {
            if (!std::isxdigit(static_cast<unsigned char>(s_[i_ + k])))
              return false;
          }
          i_ += 6;
        } else if (std::string_view("\"\\/bfnrt").find(e) !=
                   std::string_view::npos) {
          i_ += 2;
        } else {
          return false;
        }
        continue;
      }
      if (c < 0x20) return false;
      if (c < 0x80) {
        ++i_;
        continue;
      }
      const size_t n = c >= 0xf8   ? 0
                       : c >= 0xf0 ? 4
                       : c >= 0xe0 ? 3
                       : c >= 0xc0 ? 2
                                   : 0;
      if (n == 0 || i_ + n > s_.size()) return false;
      uint32_t cp = c & (0xffu >> (n + 1));
      for (size_t k = 1; k < n; ++k) {
        const auto b = static_cast<unsigned char>(s_[i_ + k]);
        if ((b & 0xc0) != 0x80) return false;
        cp = cp << 6 | (b & 0x3fu);
      }
      const uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return false;
      }
      i_ += n;
    }
    return false;  // unterminated
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace pmdcon::testing

#endif  // PMDCON_TESTS_RX_STRICT_JSON_H_
