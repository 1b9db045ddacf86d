#include "service/app.hpp"

int main() {
  return slipway::service::run_app();
}
