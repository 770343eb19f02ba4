// tests/distributed/collective_timeout_test.cpp — runs on the CPU: how the NCCL
// communicator's timeout is read from GAPLAB_NCCL_TIMEOUT_S.
#include "distributed/collective_timeout.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace gaplab {
namespace {

TEST(NcclTimeout, UnsetOrEmptyIsTheDefault) {
  EXPECT_EQ(parseNcclTimeoutSeconds(nullptr), kDefaultNcclTimeoutSeconds);
  EXPECT_EQ(parseNcclTimeoutSeconds(""), kDefaultNcclTimeoutSeconds);
  EXPECT_EQ(parseNcclTimeoutSeconds("   "), kDefaultNcclTimeoutSeconds);
  EXPECT_EQ(kDefaultNcclTimeoutSeconds, 600.0);
  EXPECT_EQ(kNcclInitTimeoutSeconds, 120.0);
}

TEST(NcclTimeout, PositiveSecondsAreTaken) {
  EXPECT_EQ(parseNcclTimeoutSeconds("30"), 30.0);
  EXPECT_EQ(parseNcclTimeoutSeconds("1.5"), 1.5);
  EXPECT_EQ(parseNcclTimeoutSeconds(" 90 "), 90.0);
  EXPECT_EQ(parseNcclTimeoutSeconds("1e3"), 1000.0);
}

TEST(NcclTimeout, AnythingElseIsRefusedNamingTheVariable) {
  for (const char* bad : {"0", "-5", "ten", "30s", "inf", "nan", "1e999", "5 5"}) {
    try {
      parseNcclTimeoutSeconds(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("GAPLAB_NCCL_TIMEOUT_S"), std::string::npos) << message;
      EXPECT_NE(message.find(bad), std::string::npos) << message;
    }
  }
}

TEST(NcclTimeout, ReadFromTheEnvironment) {
  const char* old = std::getenv(kNcclTimeoutVariable);
  const std::string saved = old ? old : "";
  setenv(kNcclTimeoutVariable, "42", 1);
  EXPECT_EQ(ncclTimeoutSecondsFromEnvironment(), 42.0);
  setenv(kNcclTimeoutVariable, "never", 1);
  EXPECT_THROW(ncclTimeoutSecondsFromEnvironment(), std::invalid_argument);
  unsetenv(kNcclTimeoutVariable);
  EXPECT_EQ(ncclTimeoutSecondsFromEnvironment(), kDefaultNcclTimeoutSeconds);
  if (old) setenv(kNcclTimeoutVariable, saved.c_str(), 1);
}

}  // namespace
}  // namespace gaplab
