#include "services/relationships/viewer.h"

namespace trustsphere::relationships {

bool Viewer::CanSee(const std::string& truster, const std::string& trustee,
                    v1::Visibility visibility) {
  if (caller_.IsPrivileged() || caller_.person_id == truster) return true;
  switch (visibility) {
    case v1::VISIBILITY_PUBLIC:
      return true;
    case v1::VISIBILITY_NETWORK:
      return caller_.person_id == trustee || IsCallersReference(truster) ||
             IsCallersReference(trustee);
    case v1::VISIBILITY_TRUSTEE:
      return caller_.person_id == trustee;
    default:
      return false;
  }
}

bool Viewer::IsCallersReference(const std::string& person) {
  if (person == caller_.person_id) return false;
  auto cached = references_.find(person);
  if (cached != references_.end()) return cached->second;
  auto edge = reader_.Reference(caller_.person_id, person);
  if (!edge.ok() && status_.ok()) status_ = edge.status();
  const bool known = edge.ok() && AnswersVisibly(*edge);
  references_[person] = known;
  return known;
}

}  // namespace trustsphere::relationships
