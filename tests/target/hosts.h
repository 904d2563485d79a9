// The two hosts of the target tests: us (pmdcon's port) and a peer (a
// gateway or a collector), on the addresses the network tests use.
#ifndef PMDCON_TESTS_TARGET_HOSTS_H_
#define PMDCON_TESTS_TARGET_HOSTS_H_

#include "packet/udp_frame.h"

namespace pmdcon::target::hosts {

inline const packet::Mac kSelf = {0x02, 0, 0, 0, 0, 1};
inline const packet::Mac kPeer = {0x02, 0, 0, 0, 0, 2};
inline const packet::IpAddr kSelf4 = *packet::ParseIp("10.99.0.1");
inline const packet::IpAddr kPeer4 = *packet::ParseIp("10.99.0.2");
inline const packet::IpAddr kSelf6 = *packet::ParseIp("fd00:99::1");
inline const packet::IpAddr kPeer6 = *packet::ParseIp("fd00:99::2");

}  // namespace pmdcon::target::hosts

#endif  // PMDCON_TESTS_TARGET_HOSTS_H_
