#include "bigquery/types.h"

namespace opentrack::bigquery {

std::string TableRef::ToString() const {
  std::string out;
  out.reserve(project_id.size() + dataset_id.size() + table_id.size() + 2);
  out.append(project_id).append(":").append(dataset_id).append(".").append(table_id);
  return out;
}

}  // namespace opentrack::bigquery
