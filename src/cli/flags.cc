#include "cli/flags.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "io/system.h"

namespace pmdcon::cli {

absl::StatusOr<uint64_t> ParseSize(std::string_view text) {
  uint64_t mult = 1;
  std::string_view digits = text;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K':
      case 'k':
        mult = 1ull << 10;
        break;
      case 'M':
      case 'm':
        mult = 1ull << 20;
        break;
      case 'G':
      case 'g':
        mult = 1ull << 30;
        break;
      default:
        break;
    }
    if (mult != 1) digits.remove_suffix(1);
  }
  uint64_t n = 0;
  if (digits.empty() || !absl::SimpleAtoi(std::string(digits), &n) ||
      n > UINT64_MAX / mult) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad size \"", std::string(text),
                     "\" (expected e.g. 65536, 64K, 16M)"));
  }
  return n * mult;
}

namespace {

// Flags a flag file set last, by name: "FILE:LINE: ", for Die.
std::map<std::string, std::string>& FileOrigins() {
  static auto* origins = new std::map<std::string, std::string>();
  return *origins;
}

// The tool's own flags, not Abseil's (--flagfile and friends).
bool Ours(const absl::CommandLineFlag& f) {
  return f.Filename().find("absl/") == absl::string_view::npos;
}

void PrintHelp(std::string_view tool, const char* usage) {
  std::printf("%s\n\nflags:\n", usage);
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (Ours(*flag)) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const auto* a, const auto* b) { return a->Name() < b->Name(); });
  for (const auto* f : flags) {
    std::printf("  --%s (default \"%s\")\n      %s\n",
                std::string(f->Name()).c_str(), f->DefaultValue().c_str(),
                std::string(f->Help()).c_str());
  }
  std::printf(
      "  --flagfile=FILE\n"
      "      more flags from FILE, one per line (\"name=value\", \"name "
      "value\"; '#' starts a comment)\n"
      "  --version\n      prints the version\n"
      "\n%.*s --help prints this.\n",
      static_cast<int>(tool.size()), tool.data());
}

[[noreturn]] void Usage(std::string_view tool, const std::string& why) {
  Die(tool, absl::InvalidArgumentError(absl::StrCat(why, " (see --help)")), 2);
}

// Applies flags one at a time. A list flag given again adds to its list
// (--sink=a --sink=b is --sink=a,b); a later scalar overrides.
class FlagParser {
 public:
  FlagParser(std::string_view tool, const char* usage)
      : tool_(tool), usage_(usage) {}

  // args[*i] is "--name[=value]"; a value not after '=' is args[*i + 1]
  // (then *i moves on). `where` prefixes errors ("FILE:3: ").
  void Apply(const std::vector<std::string>& args, size_t* i,
             const std::string& where, bool in_file) {
    std::string_view a = args[*i];
    if (a.size() < 2 || a[0] != '-') {
      Usage(tool_, absl::StrCat(where, "unexpected argument \"", std::string(a),
                                "\""));
    }
    a.remove_prefix(a[1] == '-' ? 2 : 1);
    const size_t eq = a.find('=');
    const std::string name(a.substr(0, eq));
    const bool has_value = eq != std::string_view::npos;
    std::string value = has_value ? std::string(a.substr(eq + 1)) : "";
    if (name == "help" || name == "h" || name == "helpfull") {
      PrintHelp(tool_, usage_);
      std::exit(0);
    }
    if (name == "version") {
      std::printf("%.*s %s\n", static_cast<int>(tool_.size()), tool_.data(),
                  PMDCON_VERSION);
      std::exit(0);
    }
    // --check-config is --check_config: a dash in a name is an underscore.
    std::string key(name);
    std::replace(key.begin(), key.end(), '-', '_');
    absl::CommandLineFlag* f = absl::FindCommandLineFlag(key);
    bool negated = false;
    if (!f && absl::StartsWith(name, "no")) {
      f = absl::FindCommandLineFlag(key.substr(2));
      negated = f && f->IsOfType<bool>() && !has_value;
      if (!negated) f = nullptr;
    }
    const bool flagfile = name == "flagfile";
    if (!flagfile && (!f || !Ours(*f))) {
      Usage(tool_, absl::StrCat(where, "unknown flag --", name));
    }
    const bool bool_flag = f && f->IsOfType<bool>();
    if (!bool_flag && !has_value) {
      if (*i + 1 == args.size()) {
        Usage(tool_, absl::StrCat(where, "--", name, " needs a value"));
      }
      value = args[++*i];
    }
    if (flagfile) {
      if (in_file)
        Usage(tool_, absl::StrCat(where, "--flagfile in a flagfile"));
      ReadFile(value);
      return;
    }
    if (bool_flag && !has_value) value = negated ? "false" : "true";
    if (f->IsOfType<std::vector<std::string>>() && !lists_.insert(key).second &&
        !f->CurrentValue().empty()) {
      value = absl::StrCat(f->CurrentValue(), ",", value);
    }
    std::string err;
    if (!f->ParseFrom(value, &err)) {
      Usage(tool_, absl::StrCat(where, "--", name, "=", value, ": ", err));
    }
    // A later check of this value (main's) names the file's line too.
    if (in_file) {
      FileOrigins()[std::string(f->Name())] = where;
    } else {
      FileOrigins().erase(std::string(f->Name()));
    }
  }

 private:
  // One flag per line, as on the command line ("--sink=journal"; the dashes
  // may be left out), or "name value", "name = value"; blank lines, lines
  // starting with '#' and a " # comment" after a flag are skipped.
  void ReadFile(const std::string& path) {
    auto file = io::ReadUserFile(path, "flag file");
    if (!file.ok()) {
      Die(tool_,
          absl::Status(file.status().code(),
                       absl::StrCat("--flagfile: ", file.status().message())),
          2);
    }
    int n = 0;
    for (absl::string_view line : absl::StrSplit(*file, '\n')) {
      ++n;
      absl::string_view text = absl::StripAsciiWhitespace(line);
      if (text.empty() || text[0] == '#') continue;
      if (const size_t hash = text.find_first_of("#");
          hash != absl::string_view::npos && hash > 0 &&
          absl::ascii_isspace(static_cast<unsigned char>(text[hash - 1]))) {
        text = absl::StripAsciiWhitespace(text.substr(0, hash));
      }
      absl::ConsumePrefix(&text, "--") || absl::ConsumePrefix(&text, "-");
      const size_t end = text.find_first_of("= \t");
      std::string flag = absl::StrCat("--", text.substr(0, end));
      if (end != absl::string_view::npos) {
        absl::string_view value =
            absl::StripLeadingAsciiWhitespace(text.substr(end));
        absl::ConsumePrefix(&value, "=");
        absl::StrAppend(&flag, "=", absl::StripAsciiWhitespace(value));
      }
      std::vector<std::string> one = {flag};
      size_t i = 0;
      Apply(one, &i, absl::StrCat(path, ":", n, ": "), /*in_file=*/true);
    }
  }

  std::string_view tool_;
  const char* usage_;
  std::set<std::string> lists_;  // list flags given so far
};

}  // namespace

void ParseFlags(int argc, char** argv, std::string_view tool,
                const char* usage) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  FlagParser parser(tool, usage);
  for (size_t i = 0; i < args.size(); ++i) {
    parser.Apply(args, &i, "", /*in_file=*/false);
  }
}

void Die(std::string_view tool, const absl::Status& status, int code) {
  // "--format: ..." about a value from a flag file: say where it was.
  std::string where;
  absl::string_view m = status.message();
  if (absl::ConsumePrefix(&m, "--")) {
    const size_t end =
        m.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_");
    if (auto it = FileOrigins().find(std::string(m.substr(0, end)));
        it != FileOrigins().end() &&
        !absl::StartsWith(status.message(), it->second)) {
      where = it->second;
    }
  }
  std::fprintf(stderr, "%.*s: %s%.*s\n", static_cast<int>(tool.size()),
               tool.data(), where.c_str(),
               static_cast<int>(status.message().size()),
               status.message().data());
  std::exit(code);
}

}  // namespace pmdcon::cli
