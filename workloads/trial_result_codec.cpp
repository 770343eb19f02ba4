// workloads/trial_result_codec.cpp — see trial_result_codec.h.
#include "workloads/trial_result_codec.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace gaplab {

TextEncoder& TextEncoder::put(int64_t v) {
  text_ += std::to_string(v);
  text_ += ' ';
  return *this;
}

TextEncoder& TextEncoder::put(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a ", v);
  text_ += buf;
  return *this;
}

TextEncoder& TextEncoder::put(const std::string& v) {
  text_ += std::to_string(v.size());
  text_ += ':';
  text_ += v;
  text_ += ' ';
  return *this;
}

void TextDecoder::fail(const std::string& problem) const {
  throw std::runtime_error(what_ + ": encoded data " + problem + " at byte " + std::to_string(pos_) +
                           " (damaged, or written by another gaplab)");
}

bool TextDecoder::atEnd() {
  while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  return pos_ >= text_.size();
}

std::string TextDecoder::token() {
  if (atEnd()) fail("ends early");
  const std::size_t end = text_.find(' ', pos_);
  std::string t = text_.substr(pos_, end == std::string::npos ? std::string::npos : end - pos_);
  pos_ = end == std::string::npos ? text_.size() : end + 1;
  return t;
}

int64_t TextDecoder::getInt() {
  const std::string t = token();
  char* end = nullptr;
  const long long v = std::strtoll(t.c_str(), &end, 10);
  if (t.empty() || *end != '\0') fail("has '" + t + "' where an integer was expected");
  return v;
}

double TextDecoder::getDouble() {
  const std::string t = token();
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (t.empty() || *end != '\0') fail("has '" + t + "' where a number was expected");
  return v;
}

std::string TextDecoder::getString() {
  if (atEnd()) fail("ends early");
  const std::size_t colon = text_.find(':', pos_);
  if (colon == std::string::npos) fail("has no string length");
  char* end = nullptr;
  const std::string digits = text_.substr(pos_, colon - pos_);
  const unsigned long long n = std::strtoull(digits.c_str(), &end, 10);
  if (digits.empty() || *end != '\0') fail("has a bad string length '" + digits + "'");
  if (colon + 1 + n > text_.size()) fail("has a string longer than the data");
  std::string v = text_.substr(colon + 1, n);
  pos_ = colon + 1 + n;
  return v;
}

void encodeCurve(TextEncoder& out, const std::vector<EvalRecord>& curve) {
  out.put(static_cast<int64_t>(curve.size()));
  for (const EvalRecord& r : curve) {
    out.put(r.step).put(r.epoch).put(r.timedSeconds).put(r.wallSeconds).put(r.trainLoss).put(r.evalTrainLoss);
    out.put(r.evalTrainMetric).put(r.validationLoss).put(r.validationMetric).put(r.learningRate);
    out.put(static_cast<int64_t>(r.extras.size()));
    for (const NamedMetric& m : r.extras) out.put(m.name).put(m.value);
  }
}

std::vector<EvalRecord> decodeCurve(TextDecoder& in) {
  const int64_t n = in.getInt();
  if (n < 0) throw std::runtime_error("negative curve length in encoded data");
  std::vector<EvalRecord> curve(static_cast<std::size_t>(n));
  for (EvalRecord& r : curve) {
    r.step = in.getInt();
    r.epoch = in.getDouble();
    r.timedSeconds = in.getDouble();
    r.wallSeconds = in.getDouble();
    r.trainLoss = in.getDouble();
    r.evalTrainLoss = in.getDouble();
    r.evalTrainMetric = in.getDouble();
    r.validationLoss = in.getDouble();
    r.validationMetric = in.getDouble();
    r.learningRate = in.getDouble();
    const int64_t extras = in.getInt();
    for (int64_t k = 0; k < extras; ++k) {
      NamedMetric m;
      m.name = in.getString();
      m.value = in.getDouble();
      r.extras.push_back(std::move(m));
    }
  }
  return curve;
}

std::string encodeTrialResult(const TrialResult& r) {
  TextEncoder out;
  out.put(r.trialId).put(r.workload).put(r.configYaml).put(static_cast<int64_t>(r.seed));
  out.put(static_cast<int64_t>(r.status)).put(r.statusMessage).put(r.metricName);
  out.put(static_cast<int64_t>(r.targetDirection)).put(r.targetValue).put(r.timeToResultSeconds).put(r.stepsToResult);
  out.put(r.steps).put(r.epochs).put(r.timedSeconds).put(r.evalSeconds).put(r.setupSeconds).put(r.loggingSeconds);
  out.put(r.checkpointSeconds).put(r.communicationSeconds).put(r.wallSeconds);
  out.put(r.host).put(static_cast<int64_t>(r.ranks)).put(r.parameterCount).put(r.startedAtUnix);
  out.put(r.submission).put(static_cast<int64_t>(r.study)).put(r.parameters).put(static_cast<int64_t>(r.attempts));
  out.put(r.samplePoint);
  encodeCurve(out, r.curve);
  return out.text();
}

TrialResult decodeTrialResult(const std::string& text, const std::string& what) {
  TextDecoder in(text, what);
  TrialResult r;
  r.trialId = in.getString();
  r.workload = in.getString();
  r.configYaml = in.getString();
  r.seed = static_cast<uint64_t>(in.getInt());
  const int64_t status = in.getInt();
  if (status < 0 || status > static_cast<int64_t>(TrialStatus::kStoppedEarly))
    throw std::runtime_error(what + ": unknown trial status code " + std::to_string(status));
  r.status = static_cast<TrialStatus>(status);
  r.statusMessage = in.getString();
  r.metricName = in.getString();
  r.targetDirection = in.getInt() == 0 ? TargetDirection::kAtLeast : TargetDirection::kAtMost;
  r.targetValue = in.getDouble();
  r.timeToResultSeconds = in.getDouble();
  r.stepsToResult = in.getInt();
  r.steps = in.getInt();
  r.epochs = in.getDouble();
  r.timedSeconds = in.getDouble();
  r.evalSeconds = in.getDouble();
  r.setupSeconds = in.getDouble();
  r.loggingSeconds = in.getDouble();
  r.checkpointSeconds = in.getDouble();
  r.communicationSeconds = in.getDouble();
  r.wallSeconds = in.getDouble();
  r.host = in.getString();
  r.ranks = static_cast<int>(in.getInt());
  r.parameterCount = in.getInt();
  r.startedAtUnix = in.getInt();
  r.submission = in.getString();
  r.study = static_cast<int>(in.getInt());
  r.parameters = in.getString();
  r.attempts = static_cast<int>(in.getInt());
  r.samplePoint = in.getString();
  r.curve = decodeCurve(in);
  if (!in.atEnd()) throw std::runtime_error(what + ": trailing data after the trial result");
  return r;
}

}  // namespace gaplab
