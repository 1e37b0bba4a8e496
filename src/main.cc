// adwatch: one binary, one subcommand per job (SPEC §1). Parses the command line and hands
// over to the command functions in src/app/.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "app/cmd_check_config.h"
#include "app/cmd_classify.h"
#include "app/cmd_crawl.h"
#include "app/cmd_demo.h"
#include "app/cmd_eval.h"
#include "app/cmd_kafka.h"
#include "app/cmd_replay.h"
#include "app/cmd_run.h"
#include "app/cmd_simulate.h"
#include "config/config.h"
#include "enrich/theme_classifier.h"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int /*signal*/) { g_stop.store(true); }

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

// Loads --config (or the built-in default); prints every problem and returns false on error.
bool LoadConfig(const std::string& path, adwatch::Config* config) {
  if (path.empty()) {
    *config = adwatch::DefaultConfig();
    return true;
  }
  adwatch::ConfigResult result = adwatch::LoadConfigFile(path);
  for (const auto& p : result.problems) std::cerr << p.ToString() << "\n";
  if (!result.ok()) return false;
  if (auto problem = adwatch::CheckThemeRules(result.config.themes, path)) {
    std::cerr << problem->ToString() << "\n";
    return false;
  }
  *config = std::move(result.config);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"adwatch: a streaming monitor of political advertising spend"};
  app.require_subcommand(1);
  app.set_version_flag("--version", ADWATCH_VERSION);

  // run
  auto* run = app.add_subcommand("run", "Consume observations from Kafka and export metrics");
  std::string config_path, brokers, topic, group, listen, state_dir;
  run->add_option("--config", config_path,
                  "Config file (default: the built-in deploy/adwatch.yaml)");
  run->add_option("--brokers", brokers, "Kafka bootstrap servers (overrides the config)");
  run->add_option("--topic", topic, "Observations topic (overrides the config)");
  run->add_option("--group", group, "Consumer group id (overrides the config)");
  run->add_option("--listen", listen, "Metrics listener host:port (overrides the config)");
  run->add_option("--state", state_dir, "State directory (overrides the config); empty: in memory");
  adwatch::MonitorOptions monitor_options;
  run->add_flag("--rebuild-state", monitor_options.rebuild_state,
                "Discard the state directory and rebuild every partition from the input topic");
  std::string on_out_of_range = "incident";
  run->add_option("--on-out-of-range", on_out_of_range,
                  "incident: stop the partition until the operator chooses (default); rebuild: "
                  "replay it from the earliest retained offset")
      ->check(CLI::IsMember({"incident", "rebuild"}));

  // demo
  auto* demo =
      app.add_subcommand("demo", "Embedded Kafka + simulated UK 2019 campaign + live summary");
  adwatch::DemoOptions demo_options;
  demo->add_option("--duration", demo_options.duration_seconds,
                   "Stop after this many seconds (default: run until Ctrl-C)")
      ->check(CLI::NonNegativeNumber);
  demo->add_option("--speed", demo_options.speed,
                   "Simulated seconds per real second (default 20000: the campaign in ~3 min)")
      ->check(CLI::PositiveNumber);
  demo->add_option("--ads", demo_options.ads, "Number of simulated ads")
      ->check(CLI::Range(1, 2000000));
  demo->add_option("--listen", demo_options.listen, "Metrics listener host:port");

  // kafka
  auto* kafka = app.add_subcommand("kafka", "Run an embedded Kafka-protocol cluster on loopback");
  adwatch::EmbeddedKafka::Options kafka_options;
  kafka->add_option("--brokers", kafka_options.brokers, "Number of brokers")
      ->check(CLI::Range(1, 9));
  kafka->add_option("--partitions", kafka_options.partitions, "Partitions per topic")
      ->check(CLI::Range(1, 1000));
  std::vector<std::string> kafka_topics;
  kafka->add_option("--topic", kafka_topics, "Topic to create (repeatable)");

  // replay
  auto* replay =
      app.add_subcommand("replay", "Produce observations from JSON Lines files to Kafka");
  adwatch::ReplayOptions replay_options;
  std::vector<std::string> replay_files;
  replay->add_option("--brokers", replay_options.brokers, "Kafka bootstrap servers")->required();
  replay->add_option("--topic", replay_options.topic, "Topic")->default_val("adwatch.observations");
  replay->add_option("--rate", replay_options.rate, "Messages per second (0 = unlimited)")
      ->check(CLI::NonNegativeNumber);
  replay->add_option("files", replay_files, "JSON Lines files, or - for stdin")->required();
  adwatch::ReplayInput replay_input;
  std::string replay_observed_at, replay_period_end, replay_report;
  replay->add_option("--format", replay_input.format,
                     "jsonl (default), google-weekly-spend or meta-report");
  replay->add_option("--release", replay_input.report.release,
                     "Report release name (default: the file name)");
  replay->add_option("--observed-at", replay_observed_at,
                     "When the report release was taken, RFC 3339 (default: after its period)");
  replay->add_option("--report", replay_report, "meta-report: weekly or to_date (default: name)");
  replay->add_option("--period-end", replay_period_end,
                     "meta-report: last day of the period, YYYY-MM-DD (default: file name)");
  replay->add_option("--currency", replay_input.report.currency, "Currency of the amounts read")
      ->default_val("GBP");

  // crawl meta | crawl google FILE
  auto* crawl_cmd = app.add_subcommand("crawl", "Crawl a registry onto the topic (meta, google)");
  crawl_cmd->require_subcommand(1);
  adwatch::CrawlCommandOptions crawl_options;
  adwatch::crawl::MetaCrawlOptions meta_options;
  adwatch::crawl::GoogleCrawlOptions google_options;
  std::string meta_token = "${META_ACCESS_TOKEN}", crawl_config, google_path, google_observed_at;
  auto* crawl_meta = crawl_cmd->add_subcommand("meta", "Crawl the Meta Ad Library API");
  auto* crawl_google =
      crawl_cmd->add_subcommand("google", "Crawl a Google political ads transparency download");
  for (auto* sub : {crawl_meta, crawl_google}) {
    sub->add_option("--brokers", crawl_options.brokers, "Kafka bootstrap servers")->required();
    sub->add_option("--topic", crawl_options.topic, "Topic")->default_val("adwatch.observations");
    sub->add_option("--state", crawl_options.state_dir,
                    "Directory for the crawl state (known ads, the crawl under way)");
    sub->add_option("--listen", crawl_options.listen, "Metrics listener host:port (none: off)");
    sub->add_option("--interval", crawl_options.interval_seconds,
                    "Crawl every this many seconds until stopped (default: one crawl)")
        ->check(CLI::NonNegativeNumber);
  }
  crawl_meta->add_option("--country", meta_options.country, "ad_reached_countries (ISO code)")
      ->default_val("GB");
  crawl_meta->add_option("--token", meta_token,
                         "Access token, or ${ENV} / ${file:PATH} (default ${META_ACCESS_TOKEN})");
  crawl_meta->add_option("--api-base", meta_options.api_base, "Graph API base URL");
  crawl_meta->add_option("--api-version", meta_options.api_version, "Graph API version");
  crawl_meta->add_option("--config", crawl_config,
                         "Config whose regulated_period gives the delivery dates (default: "
                         "built-in)");
  crawl_meta->add_option("--delivery-date-min", meta_options.delivery_date_min,
                         "ad_delivery_date_min (YYYY-MM-DD; default: regulated period start)");
  crawl_meta->add_option("--delivery-date-max", meta_options.delivery_date_max,
                         "ad_delivery_date_max (YYYY-MM-DD; default: regulated period end)");
  crawl_meta->add_option("--search-terms", meta_options.search_terms, "search_terms (default '')");
  crawl_meta->add_option("--search-page-ids", meta_options.search_page_ids,
                         "search_page_ids instead of search terms (at most 10)");
  crawl_meta->add_option("--page-limit", meta_options.page_limit, "Ads per page")
      ->check(CLI::Range(1, 5000));
  crawl_meta
      ->add_option("--max-retries", meta_options.max_retries,
                   "Transient failures in a row before giving up")
      ->check(CLI::Range(0, 1000));
  crawl_meta
      ->add_option("--retry-base", meta_options.retry_base_seconds,
                   "First backoff in seconds (doubles; rate limits too)")
      ->check(CLI::NonNegativeNumber);
  crawl_meta
      ->add_option("--max-wait", meta_options.max_wait_seconds, "Longest single wait in seconds")
      ->check(CLI::NonNegativeNumber);
  crawl_meta->add_flag("--fresh", meta_options.fresh,
                       "Abandon an interrupted crawl (no crawl_end) instead of resuming it");
  crawl_google
      ->add_option("file", google_path,
                   "google-political-ads-creative-stats.csv or the unzipped bundle dir")
      ->required();
  crawl_google->add_option("--country", google_options.country, "Regions code")->default_val("GB");
  crawl_google->add_option("--observed-at", google_observed_at,
                           "The download's time (RFC 3339 or YYYY-MM-DD; default: the file's "
                           "mtime date)");
  crawl_google->add_flag("--reports", google_options.reports,
                         "Also send google-political-ads-advertiser-weekly-spend.csv rows as "
                         "report messages");

  // simulate
  auto* simulate =
      app.add_subcommand("simulate", "Write a deterministic synthetic observation stream");
  adwatch::sim::SimOptions sim_options;
  std::string sim_out;
  simulate->add_option("--out", sim_out, "Output file (- for stdout)")->required();
  simulate->add_option("--scenario", sim_options.scenario, "Scenario (uk2019)");
  simulate->add_option("--seed", sim_options.seed, "Seed");
  simulate->add_option("--ads", sim_options.ads, "Number of ads");

  // classify
  auto* classify = app.add_subcommand("classify", "Attribute and classify ads read from stdin");
  std::string classify_config;
  bool explain = false;
  classify->add_option("--config", classify_config, "Config file (default: built-in)");
  classify->add_flag("--explain", explain, "Show the rules that matched");

  // eval
  auto* eval = app.add_subcommand(
      "eval", "Precision, recall and F1 per theme of the theme rules on a labelled corpus");
  std::string eval_config, eval_corpus;
  bool eval_errors = false;
  eval->add_option("--config", eval_config, "Config file (default: built-in)");
  eval->add_flag("--errors", eval_errors, "Also list every wrongly classified ad");
  eval->add_option("corpus", eval_corpus, "Corpus file (LABELS<TAB>TEXT... per line)")->required();

  // check-config
  auto* check = app.add_subcommand("check-config", "Validate a config file");
  std::string check_path;
  check->add_option("file", check_path, "Config file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  InstallSignalHandlers();

  if (*run) {
    adwatch::Config config;
    if (!LoadConfig(config_path, &config)) return 2;
    if (!brokers.empty()) config.kafka.brokers = brokers;
    if (!topic.empty()) config.kafka.topic = topic;
    if (!group.empty()) config.kafka.group = group;
    if (!listen.empty()) config.listen = listen;
    if (!state_dir.empty()) config.state_dir = state_dir;
    monitor_options.rebuild_out_of_range = on_out_of_range == "rebuild";
    return adwatch::RunCommand(config, monitor_options, g_stop, std::cerr);
  }
  if (*demo) return adwatch::DemoCommand(demo_options, g_stop, std::cout, std::cerr);
  if (*kafka) {
    if (!kafka_topics.empty()) kafka_options.topics = kafka_topics;
    return adwatch::KafkaCommand(kafka_options, std::cout, std::cerr, g_stop);
  }
  if (*replay) {
    if (!replay_observed_at.empty()) {
      replay_input.report.observed_at = adwatch::ParseTimestamp(replay_observed_at);
      if (!replay_input.report.observed_at) {
        std::cerr << "adwatch replay: --observed-at is not an RFC 3339 timestamp\n";
        return 2;
      }
    }
    if (!replay_period_end.empty()) {
      replay_input.report.period_end = adwatch::ParseDateOrTimestamp(replay_period_end);
      if (!replay_input.report.period_end || replay_period_end.size() != 10) {
        std::cerr << "adwatch replay: --period-end is not a YYYY-MM-DD date\n";
        return 2;
      }
    }
    if (!replay_report.empty()) {
      if (replay_report != "weekly" && replay_report != "to_date") {
        std::cerr << "adwatch replay: --report must be weekly or to_date\n";
        return 2;
      }
      replay_input.report.kind =
          replay_report == "weekly" ? adwatch::ReportKind::kWeekly : adwatch::ReportKind::kToDate;
    }
    return adwatch::ReplayCommand(replay_options, replay_files, std::cout, std::cerr, g_stop,
                                  replay_input);
  }
  if (*crawl_cmd) {
    if (*crawl_meta) {
      adwatch::Config config;
      if (!LoadConfig(crawl_config, &config)) return 2;
      if (config.regulated_period) {
        if (meta_options.delivery_date_min.empty()) {
          meta_options.delivery_date_min =
              adwatch::FormatTimestamp(config.regulated_period->start).substr(0, 10);
        }
        if (meta_options.delivery_date_max.empty()) {  // the period's end is exclusive
          meta_options.delivery_date_max =
              adwatch::FormatTimestamp(config.regulated_period->end - 1).substr(0, 10);
        }
      }
      return adwatch::CrawlMetaCommand(crawl_options, meta_options, meta_token, std::cout,
                                       std::cerr, g_stop);
    }
    if (!google_observed_at.empty()) {
      google_options.observed_at = adwatch::ParseDateOrTimestamp(google_observed_at);
      if (!google_options.observed_at) {
        std::cerr << "adwatch crawl google: --observed-at: not a date or RFC 3339 time\n";
        return 2;
      }
    }
    return adwatch::CrawlGoogleCommand(crawl_options, google_options, google_path, std::cout,
                                       std::cerr, g_stop);
  }
  if (*simulate) return adwatch::SimulateCommand(sim_options, sim_out, std::cerr);
  if (*classify) {
    adwatch::Config config;
    if (!LoadConfig(classify_config, &config)) return 2;
    return adwatch::ClassifyCommand(config, explain, std::cin, std::cout, std::cerr);
  }
  if (*eval) {
    adwatch::Config config;
    if (!LoadConfig(eval_config, &config)) return 2;
    return adwatch::EvalCommand(config, eval_corpus, eval_errors, std::cout, std::cerr);
  }
  if (*check) return adwatch::CheckConfigCommand(check_path, std::cout, std::cerr);
  return 2;
}
