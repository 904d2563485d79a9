#include <gtest/gtest.h>

#include <string>

#include "rx/sinks/journal_sink.h"

namespace pmdcon::rx {
namespace {

TEST(JournalEntry, NativeFieldsAndBinarySafeValues) {
  wire::Message m;
  m.extended = true;
  m.source.family = 4;
  m.source.addr = {10, 99, 0, 1};
  m.source.port = 6665;
  m.level = 3;
  m.facility = 0;
  m.seq = 7;
  m.ts_usec = 99;
  m.previous_boot = true;
  m.body = "two\\x0alines\n SUBSYSTEM=net\n rack.id=r12";  // escaped as sent
  std::string e;
  AppendJournalEntry(&e, m);
  // "two\nlines" (unescaped) has a newline: NAME LF le64 length, value, LF.
  const std::string message = std::string("MESSAGE\n") +
                              std::string("\x09\0\0\0\0\0\0\0", 8) +
                              "two\nlines\n";
  EXPECT_EQ(e.rfind(message, 0), 0u) << e;
  for (const char* field :
       {"\nPRIORITY=3\n", "\nSYSLOG_FACILITY=0\n",
        "\nSYSLOG_IDENTIFIER=netconsole\n",
        "\nNETCONSOLE_SOURCE=10.99.0.1:6665\n", "\nNETCONSOLE_SEQ=7\n",
        "\nNETCONSOLE_TS_USEC=99\n", "\nNETCONSOLE_PREVIOUS_BOOT=1\n",
        "\nNETCONSOLE_DICT_SUBSYSTEM=net\n",
        "\nNETCONSOLE_USERDATA_RACK_ID=r12\n"}) {
    EXPECT_NE(e.find(field), std::string::npos) << field << " in " << e;
  }
}

TEST(JournalEntry, BasicChunk) {
  wire::Message m;
  m.source.family = 4;
  m.body = "a basic line\n";
  std::string e;
  AppendJournalEntry(&e, m);
  EXPECT_EQ(e.rfind("MESSAGE=a basic line\nPRIORITY=6\n", 0), 0u) << e;
  EXPECT_NE(e.find("\nNETCONSOLE_BASIC=1\n"), std::string::npos);
  EXPECT_EQ(e.find("NETCONSOLE_SEQ"), std::string::npos);
}

}  // namespace
}  // namespace pmdcon::rx
