// tests/sweeps/gaussian_process_test.cpp — the GP surrogate and expected improvement of the bayes sampler.
//
// Why: a GP that does not interpolate, a wrong likelihood gradient (the
// hyperparameter optimiser would stall in the wrong place) or an EI with the
// sign of the improvement flipped would make Bayesian optimisation no better
// than guessing, without any error.
#include "sweeps/gaussian_process.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace gaplab {
namespace {

Eigen::MatrixXd column(std::initializer_list<double> v) {
  Eigen::MatrixXd x(static_cast<Eigen::Index>(v.size()), 1);
  Eigen::Index i = 0;
  for (double e : v) x(i++, 0) = e;
  return x;
}

TEST(GaussianProcess, Matern52AndExpectedImprovement) {
  EXPECT_DOUBLE_EQ(matern52(0.0), 1.0);
  EXPECT_NEAR(matern52(1.0), (1 + std::sqrt(5.0) + 5.0 / 3.0) * std::exp(-std::sqrt(5.0)), 1e-15);
  EXPECT_LT(matern52(2.0), matern52(1.0));
  // EI of N(0, 1) below 0: E[max(-Y, 0)] = 1/sqrt(2 pi).
  EXPECT_NEAR(expectedImprovement(0.0, 1.0, 0.0), 1.0 / std::sqrt(2 * M_PI), 1e-12);
  // Lower mean, more improvement (minimisation); more uncertainty, more improvement.
  EXPECT_GT(expectedImprovement(-1.0, 1.0, 0.0), expectedImprovement(1.0, 1.0, 0.0));
  EXPECT_GT(expectedImprovement(1.0, 2.0, 0.0), expectedImprovement(1.0, 1.0, 0.0));
  EXPECT_DOUBLE_EQ(expectedImprovement(-2.0, 0.0, 0.0), 2.0);
  EXPECT_DOUBLE_EQ(expectedImprovement(2.0, 0.0, 0.0), 0.0);
}

TEST(GaussianProcess, PosteriorMeanInterpolatesNoiselessData) {
  Eigen::MatrixXd x(6, 2);
  x << 0.1, 0.2, 0.4, 0.9, 0.7, 0.3, 0.5, 0.5, 0.95, 0.05, 0.2, 0.8;
  Eigen::VectorXd y(6);
  for (Eigen::Index i = 0; i < 6; ++i) y(i) = std::sin(6 * x(i, 0)) + x(i, 1) * x(i, 1) * 3.0;
  GpHyperparameters h;
  h.lengthScales = Eigen::Vector2d(0.3, 0.4);
  h.noiseVariance = 1e-9;
  GaussianProcess gp;
  gp.fit(x, y, h);
  for (Eigen::Index i = 0; i < 6; ++i) {
    const auto p = gp.predict(x.row(i).transpose());
    EXPECT_NEAR(p.mean, y(i), 1e-5);
    EXPECT_NEAR(p.variance, 0.0, 1e-6);
  }
  // Away from the data the model is unsure.
  EXPECT_GT(gp.predict(Eigen::Vector2d(0.99, 0.99)).variance, 0.1 * gp.yScale() * gp.yScale());
  EXPECT_THROW(gp.fit(x, y.head(5), h), std::invalid_argument);
}

TEST(GaussianProcess, LikelihoodGradientMatchesFiniteDifferences) {
  Eigen::MatrixXd x(8, 3);
  for (Eigen::Index i = 0; i < 8; ++i)
    for (Eigen::Index j = 0; j < 3; ++j) x(i, j) = std::fmod(0.137 * (i + 1) * (j + 2) + 0.05 * j, 1.0);
  Eigen::VectorXd y(8);
  for (Eigen::Index i = 0; i < 8; ++i) y(i) = std::cos(3 * x(i, 0)) + x(i, 1) - 0.5 * x(i, 2);
  y = GaussianProcess::standardize(y, nullptr, nullptr);
  Eigen::VectorXd theta(5);
  theta << 0.3, std::log(0.4), std::log(0.7), std::log(1.5), std::log(0.01);
  Eigen::VectorXd grad;
  GaussianProcess::logMarginalLikelihood(x, y, theta, &grad);
  ASSERT_EQ(grad.size(), 5);
  for (Eigen::Index p = 0; p < 5; ++p) {
    const double eps = 1e-6;
    Eigen::VectorXd up = theta, down = theta;
    up(p) += eps;
    down(p) -= eps;
    const double fd = (GaussianProcess::logMarginalLikelihood(x, y, up, nullptr) -
                       GaussianProcess::logMarginalLikelihood(x, y, down, nullptr)) /
                      (2 * eps);
    EXPECT_NEAR(grad(p), fd, 1e-5 * (1.0 + std::abs(fd))) << "parameter " << p;
  }
}

TEST(GaussianProcess, OptimizedHyperparametersMaximiseTheLikelihood) {
  // Smooth 1-D data: the fit should pick a long-ish length scale and small noise,
  // and no nearby hyperparameters (inside the box) should be more likely.
  Eigen::MatrixXd x(12, 1);
  Eigen::VectorXd y(12);
  for (Eigen::Index i = 0; i < 12; ++i) {
    x(i, 0) = (i + 0.5) / 12.0;
    y(i) = std::sin(4.0 * x(i, 0));
  }
  GaussianProcess gp;
  GpFitOptions options;
  gp.fitOptimized(x, y, options);
  const Eigen::VectorXd theta = gp.hyperparameters().toLog();
  Eigen::VectorXd ys = GaussianProcess::standardize(y, nullptr, nullptr);
  const double best = GaussianProcess::logMarginalLikelihood(x, ys, theta, nullptr);
  EXPECT_NEAR(best, gp.logMarginalLikelihood(), 1e-6);
  GpHyperparameters naive;
  naive.lengthScales = Eigen::VectorXd::Constant(1, 0.05);
  naive.noiseVariance = 0.1;
  EXPECT_GT(best, GaussianProcess::logMarginalLikelihood(x, ys, naive.toLog(), nullptr) + 1.0);
  for (Eigen::Index p = 0; p < theta.size(); ++p)
    for (double delta : {-0.2, 0.2}) {
      Eigen::VectorXd t = theta;
      t(p) += delta;
      const bool inside = p != theta.size() - 1 || std::exp(t(p)) >= options.minNoiseVariance;
      if (inside) EXPECT_LE(GaussianProcess::logMarginalLikelihood(x, ys, t, nullptr), best + 1e-6) << p << " " << delta;
    }
  EXPECT_GT(gp.hyperparameters().lengthScales(0), 0.1);
  EXPECT_LT(gp.hyperparameters().noiseVariance, 1e-2);
  // A good fit predicts between the points.
  EXPECT_NEAR(gp.predict(Eigen::VectorXd::Constant(1, 0.5)).mean, std::sin(2.0), 0.02);
}

TEST(GaussianProcess, ExpectedImprovementPeaksWhereTheMinimumIs) {
  // f(x) = (x - 0.3)^2 observed on a coarse symmetric grid around 0.3: EI must
  // peak between the two best points, at 0.3 by symmetry.
  const Eigen::MatrixXd x = column({0.0, 0.1, 0.2, 0.4, 0.5, 0.6});
  Eigen::VectorXd y(6);
  for (Eigen::Index i = 0; i < 6; ++i) y(i) = std::pow(x(i, 0) - 0.3, 2);
  GpHyperparameters h;
  h.lengthScales = Eigen::VectorXd::Constant(1, 0.2);
  h.noiseVariance = 1e-8;
  GaussianProcess gp;
  gp.fit(x, y, h);
  const double best = (y.minCoeff() - gp.yMean()) / gp.yScale();
  double argmax = -1.0, maxEi = -1.0;
  for (int i = 0; i <= 600; ++i) {
    const double u = i / 1000.0;
    const auto p = gp.predictStandardized(Eigen::VectorXd::Constant(1, u));
    const double ei = expectedImprovement(p.mean, std::sqrt(p.variance), best);
    if (ei > maxEi) {
      maxEi = ei;
      argmax = u;
    }
  }
  EXPECT_NEAR(argmax, 0.3, 0.011);
  EXPECT_GT(maxEi, 0.0);
}

}  // namespace
}  // namespace gaplab
