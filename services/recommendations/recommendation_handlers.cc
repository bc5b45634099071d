#include "services/recommendations/recommendation_handlers.h"

namespace trustsphere::recommendations {

#define TRUSTSPHERE_DEFINE(...) TRUSTSPHERE_DEFINE_UNARY(RecommendationHandlers, __VA_ARGS__)
TRUSTSPHERE_RECOMMENDATION_RPCS(TRUSTSPHERE_DEFINE)
#undef TRUSTSPHERE_DEFINE

}  // namespace trustsphere::recommendations
