// `slipway whoami`: STS GetCallerIdentity with the resolved credentials — the first check when
// a command says "access denied".
#include <boost/json.hpp>
#include <iostream>

#include "aws/sts.hpp"
#include "cli/output.hpp"
#include "cli/verbs.hpp"

namespace slipway::cli {

void add_whoami_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto* command = app.add_subcommand("whoami", "Print the AWS account and ARN of the credentials");
  command->callback([&globals, &action] {
    action = [&globals] {
      aws::Session session(globals.session_options());
      const auto identity = aws::StsClient(session).get_caller_identity();
      if (globals.output == OutputFormat::json) {
        print_json_line(std::cout, boost::json::object{{"account", identity.account},
                                                       {"arn", identity.arn},
                                                       {"user_id", identity.user_id}});
      } else {
        std::cout << identity.account << "\t" << identity.arn << "\n";
      }
      return ExitCode::ok;
    };
  });
}

}  // namespace slipway::cli
