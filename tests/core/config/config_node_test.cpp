// tests/core/config/config_node_test.cpp — typed reads, ranges, unknown keys,
// --set overrides and the file:line of every error.
#include "core/config/config_node.h"

#include <gtest/gtest.h>

#include <fstream>

namespace gaplab {
namespace {

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigNode, ReadsTypedValuesWithDefaults) {
  ConfigDocument doc = ConfigDocument::parse("a: 3\nb: 0.5\nc: hello\nl: [1, 2]\ns:\n  x: 7\n", "t.yaml");
  ConfigSection r = doc.root();
  EXPECT_EQ(r.getInt("a", 0), 3);
  EXPECT_DOUBLE_EQ(r.getDouble("b", 0), 0.5);
  EXPECT_EQ(r.getString("c", ""), "hello");
  EXPECT_EQ(r.getIntList("l", {}), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(r.section("s").getInt("x", 0), 7);
  EXPECT_EQ(r.getInt("missing", 42), 42);
  EXPECT_NO_THROW(doc.checkUnknownKeys());
}

TEST(ConfigNode, WrongTypeNamesFileLineKeyValueAndExpectation) {
  ConfigDocument doc = ConfigDocument::parse("training:\n  batch_size: lots\n", "run.yaml");
  const std::string msg = errorOf([&] { doc.root().section("training").getInt("batch_size", 1, Range::atLeast(1)); });
  EXPECT_NE(msg.find("run.yaml:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("training.batch_size"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'lots'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected an integer >= 1"), std::string::npos) << msg;
}

TEST(ConfigNode, OutOfRangeValuesAreRejected) {
  ConfigDocument doc = ConfigDocument::parse("n: 0\nlr: -1\n", "r.yaml");
  EXPECT_NE(errorOf([&] { doc.root().getInt("n", 1, Range::atLeast(1)); }).find("got 0"), std::string::npos);
  EXPECT_NE(errorOf([&] { doc.root().getDouble("lr", 1, Range::above(0)); }).find("expected a number > 0"),
            std::string::npos);
}

TEST(ConfigNode, UnknownKeyIsReportedWithItsLine) {
  ConfigDocument doc = ConfigDocument::parse("a: 1\ntraining:\n  batch_size: 3\n  bacth_size: 4\n", "u.yaml");
  doc.root().getInt("a", 0);
  doc.root().section("training").getInt("batch_size", 0);
  const std::string msg = errorOf([&] { doc.checkUnknownKeys(); });
  EXPECT_NE(msg.find("u.yaml:4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("training.bacth_size: unknown key"), std::string::npos) << msg;
}

TEST(ConfigNode, ChoiceListsTheAllowedValues) {
  ConfigDocument doc = ConfigDocument::parse("opt: adamx\n", "c.yaml");
  const std::string msg = errorOf([&] { doc.root().getChoice("opt", "sgd", {"sgd", "adamw"}); });
  EXPECT_NE(msg.find("one of: sgd, adamw"), std::string::npos) << msg;
}

TEST(ConfigNode, SyntaxErrorNamesLine) {
  const std::string msg = errorOf([] { ConfigDocument::parse("a: 1\nb: [1, 2\n", "s.yaml"); });
  EXPECT_NE(msg.find("s.yaml:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("YAML syntax error"), std::string::npos) << msg;
}

TEST(ConfigNode, MissingFileNamesPath) {
  const std::string msg = errorOf([] { ConfigDocument::loadFile("/nonexistent/x.yaml"); });
  EXPECT_NE(msg.find("/nonexistent/x.yaml"), std::string::npos) << msg;
}

TEST(ConfigNode, OverridesReplaceAndCreateKeysAndAreNamedInErrors) {
  ConfigDocument doc = ConfigDocument::parse("training:\n  batch_size: 3\n", "o.yaml");
  doc.applyOverride("training.batch_size=64");
  doc.applyOverride("optimizer.lr=0.5");
  EXPECT_EQ(doc.root().section("training").getInt("batch_size", 0), 64);
  EXPECT_DOUBLE_EQ(doc.root().section("optimizer").getDouble("lr", 0), 0.5);
  doc.applyOverride("training.bogus=1");
  const std::string msg = errorOf([&] { doc.checkUnknownKeys(); });
  EXPECT_NE(msg.find("--set training.bogus=1"), std::string::npos) << msg;
  EXPECT_THROW(doc.applyOverride("novalue"), ConfigError);
  EXPECT_THROW(doc.applyOverride("training.batch_size.x=1"), ConfigError);
}

TEST(ConfigNode, DefaultsFillOnlyMissingKeys) {
  ConfigDocument doc = ConfigDocument::parse("s:\n  a: 1\n", "d.yaml");
  doc.mergeDefaults(YAML::Load("s:\n  a: 9\n  b: 2\nt: 3\n"));
  EXPECT_EQ(doc.root().section("s").getInt("a", 0), 1);
  EXPECT_EQ(doc.root().section("s").getInt("b", 0), 2);
  EXPECT_EQ(doc.root().getInt("t", 0), 3);
}

}  // namespace
}  // namespace gaplab

namespace gaplab {
namespace {

TEST(ConfigNode, UnknownSectionCreatedByAnOverrideNamesTheOverride) {
  ConfigDocument doc = ConfigDocument::parse("a: 1\n", "o.yaml");
  doc.applyOverride("modle.widths=[512]");
  doc.root().getInt("a", 0);
  const std::string msg = errorOf([&] { doc.checkUnknownKeys(); });
  EXPECT_NE(msg.find("--set modle.widths=[512]: modle: unknown key"), std::string::npos) << msg;
}

TEST(ConfigNode, DefaultKeysAreNeitherUnknownNorExplicit) {
  ConfigDocument doc = ConfigDocument::parse("s:\n  a: 1\n", "d.yaml");
  doc.mergeDefaults(YAML::Load("s:\n  b: 2\nt: 3\n"));
  ConfigSection s = doc.root().section("s");
  EXPECT_TRUE(s.isExplicit("a"));
  EXPECT_FALSE(s.isExplicit("b"));
  s.getInt("a", 0);
  EXPECT_NO_THROW(doc.checkUnknownKeys());  // s.b and t are unused defaults
}

}  // namespace
}  // namespace gaplab
