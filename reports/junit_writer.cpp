#include <sstream>

#include "reports/report_writers.h"

namespace ctc {
namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters even when escaped.
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += '?';
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string failure_text(const Divergence& d) {
  return "step " + std::to_string(d.step_index + 1) + " (" + d.step + "): " + d.aspect +
         " differ\n--- reference\n" + d.expected + "\n--- system under test\n" + d.observed;
}

}  // namespace

std::string junit_xml(const RunSummary& run) {
  std::ostringstream os;
  const std::string suite = "ctconform." + run.adapter + "." + run.profile;
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  os << "<testsuites name=\"ctconform\" tests=\"" << run.verdicts.size() << "\" failures=\""
     << run.count(VerdictKind::kDiverge) << "\" errors=\"" << run.count(VerdictKind::kError)
     << "\" skipped=\"" << run.count(VerdictKind::kSkip) << "\">\n";
  os << "  <testsuite name=\"" << xml_escape(suite) << "\" tests=\"" << run.verdicts.size()
     << "\" failures=\"" << run.count(VerdictKind::kDiverge) << "\" errors=\""
     << run.count(VerdictKind::kError) << "\" skipped=\"" << run.count(VerdictKind::kSkip)
     << "\">\n";
  os << "    <properties>\n"
     << "      <property name=\"adapter\" value=\"" << xml_escape(run.adapter) << "\"/>\n"
     << "      <property name=\"profile\" value=\"" << xml_escape(run.profile) << "\"/>\n"
     << "      <property name=\"seed\" value=\"" << run.seed << "\"/>\n"
     << "    </properties>\n";
  for (const ScenarioVerdict& v : run.verdicts) {
    os << "    <testcase classname=\"" << xml_escape(suite) << "\" name=\"" << xml_escape(v.scenario)
       << "\" file=\"" << xml_escape(v.path) << "\">\n";
    switch (v.kind) {
      case VerdictKind::kPass: break;
      case VerdictKind::kDiverge: {
        const Divergence& d = *v.divergence;
        os << "      <failure message=\"" << xml_escape(d.aspect + " differ at step " +
                                                         std::to_string(d.step_index + 1))
           << "\" type=\"divergence\">" << xml_escape(failure_text(d)) << "</failure>\n";
        break;
      }
      case VerdictKind::kKnownDivergence:
        os << "      <system-out>known divergence: " << xml_escape(v.reason) << "\n"
           << xml_escape(failure_text(*v.divergence)) << "</system-out>\n";
        break;
      case VerdictKind::kSkip:
        os << "      <skipped message=\"" << xml_escape(v.reason) << "\"/>\n";
        break;
      case VerdictKind::kError:
        os << "      <error message=\"" << xml_escape(v.reason.substr(0, v.reason.find('\n')))
           << "\" type=\"error\">" << xml_escape(v.reason) << "</error>\n";
        break;
    }
    if (!v.unchecked.empty() && v.kind == VerdictKind::kPass) {
      os << "      <system-out>not checked (adapter cannot observe):";
      for (const std::string& u : v.unchecked) os << ' ' << xml_escape(u);
      os << "</system-out>\n";
    }
    os << "    </testcase>\n";
  }
  os << "  </testsuite>\n</testsuites>\n";
  return os.str();
}

}  // namespace ctc
