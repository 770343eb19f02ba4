// sweeps/gaussian_process.h — Gaussian-process regression on the unit cube for Bayesian optimisation.
//
// Why: the bayes sampler needs a surrogate of "objective as a function of the
// hyperparameters" with calibrated uncertainty, from tens of trials. A GP with a
// Matern 5/2 ARD kernel (one length scale per dimension; Snoek et al. 2012) and
// Gaussian noise is the standard choice. Hyperparameters (signal variance,
// length scales, noise variance) maximise the log marginal likelihood of the
// standardised targets, by L-BFGS in log space from several starts. Eigen's LLT
// does the Cholesky factorisations. Everything is deterministic given its inputs.
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Dense>

namespace gaplab {

// Kernel and noise parameters (natural scale). Targets are standardised before
// fitting, so signal variance ~1 means "the objective's spread".
struct GpHyperparameters {
  double signalVariance = 1.0;
  Eigen::VectorXd lengthScales;  // one per input dimension
  double noiseVariance = 1e-4;

  // Packed as log values: [log signalVariance, log lengthScales..., log noiseVariance].
  Eigen::VectorXd toLog() const;
  static GpHyperparameters fromLog(const Eigen::VectorXd& theta);
};

// Search box for the hyperparameters (natural scale) and the optimiser budget.
struct GpFitOptions {
  double minSignalVariance = 1e-2, maxSignalVariance = 1e2;
  double minLengthScale = 1e-2, maxLengthScale = 1e1;
  double minNoiseVariance = 1e-6, maxNoiseVariance = 1.0;
  int restarts = 4;         // random starts besides the default start
  int maxIterations = 60;   // L-BFGS iterations per start
  uint64_t seed = 0;        // for the random starts
};

// Matern 5/2 covariance at scaled distance r: (1 + sqrt5 r + 5r^2/3) exp(-sqrt5 r).
double matern52(double r);

// Expected improvement below `best` (minimisation) of a N(mean, sd^2) prediction,
// with exploration margin xi >= 0: E[max(best - xi - Y, 0)].
double expectedImprovement(double mean, double sd, double best, double xi = 0.0);

class GaussianProcess {
 public:
  struct Prediction {
    double mean = 0.0;      // in the units of the fitted y
    double variance = 0.0;  // of the latent function (without observation noise)
  };

  // Fits with fixed hyperparameters. x: n x d rows in the unit cube, y: n finite
  // targets (standardised internally). Throws std::invalid_argument for n == 0,
  // mismatched sizes or non-finite y.
  void fit(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const GpHyperparameters& h);
  // Fits hyperparameters by maximising logMarginalLikelihood over the box of
  // `options` (multi-start L-BFGS in log space), then fits with them.
  void fitOptimized(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const GpFitOptions& options = {});

  Prediction predict(const Eigen::VectorXd& point) const;
  // Posterior of the standardised target (what EI on standardised data uses).
  Prediction predictStandardized(const Eigen::VectorXd& point) const;

  const GpHyperparameters& hyperparameters() const { return h_; }
  double yMean() const { return yMean_; }
  double yScale() const { return yScale_; }
  // Log marginal likelihood of the standardised targets at the fitted hyperparameters.
  double logMarginalLikelihood() const { return logLikelihood_; }

  // Log marginal likelihood of targets `y` (taken as given, not standardised) at
  // hyperparameters exp(theta) (packed as GpHyperparameters::toLog), and its
  // gradient with respect to theta when `gradient` is not null. Returns -inf when
  // the covariance is not positive definite.
  static double logMarginalLikelihood(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                      const Eigen::VectorXd& theta, Eigen::VectorXd* gradient);
  // The standardisation fit() applies: (y - mean) / scale, scale 1 when y is constant.
  static Eigen::VectorXd standardize(const Eigen::VectorXd& y, double* mean, double* scale);

 private:
  Eigen::MatrixXd x_;
  GpHyperparameters h_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  Eigen::VectorXd alpha_;  // K^-1 y_standardised
  double yMean_ = 0.0, yScale_ = 1.0;
  double logLikelihood_ = 0.0;
};

}  // namespace gaplab
