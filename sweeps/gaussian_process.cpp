// sweeps/gaussian_process.cpp — see gaussian_process.h.
#include "sweeps/gaussian_process.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "core/rng.h"

namespace gaplab {
namespace {

constexpr double kSqrt5 = 2.2360679774997896964;
constexpr double kLog2Pi = 1.8378770664093454836;
constexpr double kJitter = 1e-10;  // added to the diagonal on top of the noise
constexpr uint64_t kRestartStreamBase = 0xB000000000000000ull;

double uniformDouble(RngStream& rng) { return static_cast<double>(rng.nextU64() >> 11) * 0x1.0p-53; }

// Scaled distances r_ij = |(x_i - x_j) / l| for all pairs.
Eigen::MatrixXd scaledDistances(const Eigen::MatrixXd& x, const Eigen::VectorXd& lengthScales) {
  const Eigen::Index n = x.rows();
  Eigen::MatrixXd xs = x.array().rowwise() / lengthScales.transpose().array();
  Eigen::MatrixXd r(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    r(i, i) = 0.0;
    for (Eigen::Index j = 0; j < i; ++j) r(i, j) = r(j, i) = (xs.row(i) - xs.row(j)).norm();
  }
  return r;
}

// Minimises f over the box [lo, hi] by L-BFGS with projection onto the box and
// an Armijo backtracking line search. Returns the best point; `value` its f.
template <typename F>
Eigen::VectorXd minimizeBoxed(F&& f, Eigen::VectorXd theta, const Eigen::VectorXd& lo, const Eigen::VectorXd& hi,
                              int maxIterations, double* value) {
  constexpr int kMemory = 6;
  auto clampBox = [&](const Eigen::VectorXd& t) { return t.cwiseMax(lo).cwiseMin(hi).eval(); };
  theta = clampBox(theta);
  Eigen::VectorXd g(theta.size());
  double fx = f(theta, &g);
  if (!std::isfinite(fx)) {
    *value = fx;
    return theta;
  }
  std::deque<std::pair<Eigen::VectorXd, Eigen::VectorXd>> memory;  // (s, y)
  for (int it = 0; it < maxIterations; ++it) {
    const Eigen::VectorXd projected = clampBox(theta - g) - theta;
    if (projected.lpNorm<Eigen::Infinity>() < 1e-6) break;
    // Coordinates held at a bound by the gradient stay fixed this iteration.
    Eigen::VectorXd free = Eigen::VectorXd::Ones(theta.size());
    for (Eigen::Index i = 0; i < theta.size(); ++i)
      if ((theta(i) <= lo(i) && g(i) > 0) || (theta(i) >= hi(i) && g(i) < 0)) free(i) = 0.0;
    // Two-loop recursion for d = -H g.
    Eigen::VectorXd q = g.cwiseProduct(free);
    std::vector<double> alphas(memory.size());
    for (int k = static_cast<int>(memory.size()) - 1; k >= 0; --k) {
      const auto& [s, y] = memory[static_cast<std::size_t>(k)];
      alphas[static_cast<std::size_t>(k)] = s.dot(q) / y.dot(s);
      q -= alphas[static_cast<std::size_t>(k)] * y;
    }
    if (!memory.empty()) {
      const auto& [s, y] = memory.back();
      q *= s.dot(y) / y.dot(y);
    } else {
      q /= std::max(1.0, q.lpNorm<Eigen::Infinity>());  // first step moves at most 1 in log space
    }
    for (std::size_t k = 0; k < memory.size(); ++k) {
      const auto& [s, y] = memory[k];
      const double beta = y.dot(q) / y.dot(s);
      q += (alphas[k] - beta) * s;
    }
    Eigen::VectorXd d = (-q).cwiseProduct(free);
    if (g.dot(d) >= 0) {  // not a descent direction: restart from steepest descent
      memory.clear();
      d = -g.cwiseProduct(free);
      d /= std::max(1.0, d.lpNorm<Eigen::Infinity>());
    }
    double step = 1.0;
    bool accepted = false;
    Eigen::VectorXd thetaNew, gNew(theta.size());
    double fNew = 0.0;
    for (int ls = 0; ls < 30; ++ls, step *= 0.5) {
      thetaNew = clampBox(theta + step * d);
      fNew = f(thetaNew, &gNew);
      if (std::isfinite(fNew) && fNew <= fx + 1e-4 * g.dot(thetaNew - theta)) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    const Eigen::VectorXd s = thetaNew - theta, y = gNew - g;
    const double decrease = fx - fNew;
    theta = thetaNew;
    g = gNew;
    fx = fNew;
    if (s.dot(y) > 1e-12) {
      memory.emplace_back(s, y);
      if (static_cast<int>(memory.size()) > kMemory) memory.pop_front();
    }
    if (decrease < 1e-10 * (1.0 + std::abs(fx))) break;
  }
  *value = fx;
  return theta;
}

}  // namespace

Eigen::VectorXd GpHyperparameters::toLog() const {
  Eigen::VectorXd theta(lengthScales.size() + 2);
  theta(0) = std::log(signalVariance);
  theta.segment(1, lengthScales.size()) = lengthScales.array().log().matrix();
  theta(theta.size() - 1) = std::log(noiseVariance);
  return theta;
}

GpHyperparameters GpHyperparameters::fromLog(const Eigen::VectorXd& theta) {
  GpHyperparameters h;
  h.signalVariance = std::exp(theta(0));
  h.lengthScales = theta.segment(1, theta.size() - 2).array().exp().matrix();
  h.noiseVariance = std::exp(theta(theta.size() - 1));
  return h;
}

double matern52(double r) { return (1.0 + kSqrt5 * r + 5.0 / 3.0 * r * r) * std::exp(-kSqrt5 * r); }

double expectedImprovement(double mean, double sd, double best, double xi) {
  const double gain = best - xi - mean;
  if (!(sd > 0.0)) return std::max(gain, 0.0);
  const double z = gain / sd;
  const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
  return std::max(gain * cdf + sd * pdf, 0.0);
}

Eigen::VectorXd GaussianProcess::standardize(const Eigen::VectorXd& y, double* mean, double* scale) {
  const double m = y.mean();
  const double var = y.size() > 1 ? (y.array() - m).square().sum() / static_cast<double>(y.size() - 1) : 0.0;
  const double s = var > 1e-24 ? std::sqrt(var) : 1.0;
  if (mean) *mean = m;
  if (scale) *scale = s;
  return ((y.array() - m) / s).matrix();
}

double GaussianProcess::logMarginalLikelihood(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                              const Eigen::VectorXd& theta, Eigen::VectorXd* gradient) {
  const Eigen::Index n = x.rows(), d = x.cols();
  const GpHyperparameters h = GpHyperparameters::fromLog(theta);
  const Eigen::MatrixXd r = scaledDistances(x, h.lengthScales);
  const Eigen::MatrixXd kf = r.unaryExpr([](double v) { return matern52(v); });
  Eigen::MatrixXd k = h.signalVariance * kf;
  k.diagonal().array() += h.noiseVariance + kJitter;
  Eigen::LLT<Eigen::MatrixXd> llt(k);
  if (llt.info() != Eigen::Success) return -std::numeric_limits<double>::infinity();
  const Eigen::VectorXd alpha = llt.solve(y);
  const Eigen::MatrixXd l = llt.matrixL();
  const double lml = -0.5 * y.dot(alpha) - l.diagonal().array().log().sum() - 0.5 * static_cast<double>(n) * kLog2Pi;
  if (gradient) {
    // dLML/dtheta_p = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta_p)
    const Eigen::MatrixXd w = alpha * alpha.transpose() - llt.solve(Eigen::MatrixXd::Identity(n, n));
    gradient->resize(d + 2);
    (*gradient)(0) = 0.5 * (w.array() * (h.signalVariance * kf).array()).sum();
    // dK/dlog l_k = s * 5/3 (1 + sqrt5 r) exp(-sqrt5 r) * (dx_k / l_k)^2
    const Eigen::MatrixXd common =
        r.unaryExpr([&](double v) { return h.signalVariance * 5.0 / 3.0 * (1.0 + kSqrt5 * v) * std::exp(-kSqrt5 * v); });
    for (Eigen::Index p = 0; p < d; ++p) {
      const Eigen::VectorXd xp = x.col(p) / h.lengthScales(p);
      double sum = 0.0;
      for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j) {
          const double delta = xp(i) - xp(j);
          sum += w(i, j) * common(i, j) * delta * delta;
        }
      (*gradient)(1 + p) = 0.5 * sum;
    }
    (*gradient)(d + 1) = 0.5 * h.noiseVariance * w.trace();
  }
  return lml;
}

void GaussianProcess::fit(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const GpHyperparameters& h) {
  if (x.rows() == 0) throw std::invalid_argument("GaussianProcess::fit: no observations");
  if (x.rows() != y.size())
    throw std::invalid_argument("GaussianProcess::fit: " + std::to_string(x.rows()) + " points but " +
                                std::to_string(y.size()) + " targets");
  if (h.lengthScales.size() != x.cols())
    throw std::invalid_argument("GaussianProcess::fit: " + std::to_string(h.lengthScales.size()) +
                                " length scales for " + std::to_string(x.cols()) + " dimensions");
  if (!y.allFinite()) throw std::invalid_argument("GaussianProcess::fit: targets must be finite");
  x_ = x;
  h_ = h;
  const Eigen::VectorXd ys = standardize(y, &yMean_, &yScale_);
  Eigen::MatrixXd k = h.signalVariance * scaledDistances(x, h.lengthScales).unaryExpr([](double v) { return matern52(v); });
  double jitter = kJitter;
  for (int attempt = 0; attempt < 8; ++attempt, jitter *= 100.0) {
    Eigen::MatrixXd kj = k;
    kj.diagonal().array() += h.noiseVariance + jitter;
    llt_.compute(kj);
    if (llt_.info() == Eigen::Success) break;
  }
  if (llt_.info() != Eigen::Success)
    throw std::runtime_error("GaussianProcess::fit: covariance matrix is not positive definite");
  alpha_ = llt_.solve(ys);
  const Eigen::MatrixXd l = llt_.matrixL();
  logLikelihood_ = -0.5 * ys.dot(alpha_) - l.diagonal().array().log().sum() -
                   0.5 * static_cast<double>(ys.size()) * kLog2Pi;
}

void GaussianProcess::fitOptimized(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const GpFitOptions& options) {
  if (x.rows() == 0 || x.rows() != y.size() || !y.allFinite())
    throw std::invalid_argument("GaussianProcess::fitOptimized: need matching, finite, non-empty x and y");
  const Eigen::Index d = x.cols();
  const Eigen::VectorXd ys = standardize(y, nullptr, nullptr);
  Eigen::VectorXd lo(d + 2), hi(d + 2);
  lo(0) = std::log(options.minSignalVariance);
  hi(0) = std::log(options.maxSignalVariance);
  lo.segment(1, d).setConstant(std::log(options.minLengthScale));
  hi.segment(1, d).setConstant(std::log(options.maxLengthScale));
  lo(d + 1) = std::log(options.minNoiseVariance);
  hi(d + 1) = std::log(options.maxNoiseVariance);

  auto negativeLml = [&](const Eigen::VectorXd& theta, Eigen::VectorXd* grad) {
    const double v = logMarginalLikelihood(x, ys, theta, grad);
    if (grad) *grad = -*grad;
    return std::isfinite(v) ? -v : std::numeric_limits<double>::infinity();
  };

  GpHyperparameters start;
  start.signalVariance = 1.0;
  start.lengthScales = Eigen::VectorXd::Constant(d, 0.3);
  start.noiseVariance = 1e-3;
  RngStream rng(options.seed, RngPurpose::kSampler, kRestartStreamBase);
  Eigen::VectorXd best;
  double bestValue = std::numeric_limits<double>::infinity();
  for (int restart = 0; restart <= options.restarts; ++restart) {
    Eigen::VectorXd theta = start.toLog();
    if (restart > 0)
      for (Eigen::Index i = 0; i < theta.size(); ++i) theta(i) = lo(i) + uniformDouble(rng) * (hi(i) - lo(i));
    double value = 0.0;
    Eigen::VectorXd found = minimizeBoxed(negativeLml, theta, lo, hi, options.maxIterations, &value);
    if (value < bestValue) {
      bestValue = value;
      best = found;
    }
  }
  if (best.size() == 0) best = start.toLog().cwiseMax(lo).cwiseMin(hi);
  fit(x, y, GpHyperparameters::fromLog(best));
}

GaussianProcess::Prediction GaussianProcess::predictStandardized(const Eigen::VectorXd& point) const {
  if (x_.rows() == 0) throw std::logic_error("GaussianProcess::predict before fit");
  const Eigen::VectorXd scaled = point.cwiseQuotient(h_.lengthScales);
  Eigen::VectorXd kStar(x_.rows());
  for (Eigen::Index i = 0; i < x_.rows(); ++i) {
    const double r = (x_.row(i).transpose().cwiseQuotient(h_.lengthScales) - scaled).norm();
    kStar(i) = h_.signalVariance * matern52(r);
  }
  Prediction p;
  p.mean = kStar.dot(alpha_);
  const Eigen::VectorXd v = llt_.matrixL().solve(kStar);
  p.variance = std::max(h_.signalVariance - v.squaredNorm(), 0.0);
  return p;
}

GaussianProcess::Prediction GaussianProcess::predict(const Eigen::VectorXd& point) const {
  Prediction p = predictStandardized(point);
  p.mean = p.mean * yScale_ + yMean_;
  p.variance *= yScale_ * yScale_;
  return p;
}

}  // namespace gaplab
