#pragma once
// Command lines of papo and papo-admin: options, then the command words.
#include <boost/program_options.hpp>

#include <string>
#include <vector>

namespace papo::cli {

// Parses `options` plus any number of positional words (the command and its arguments).
inline boost::program_options::variables_map parse_command_line(int argc, char** argv,
                                                                 const boost::program_options::options_description& options,
                                                                 std::vector<std::string>& words) {
    namespace po = boost::program_options;
    po::options_description hidden;
    hidden.add_options()("words", po::value(&words));
    po::options_description all;
    all.add(options).add(hidden);
    po::positional_options_description positional;
    positional.add("words", -1);
    po::variables_map values;
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), values);
    po::notify(values);
    return values;
}

}  // namespace papo::cli
