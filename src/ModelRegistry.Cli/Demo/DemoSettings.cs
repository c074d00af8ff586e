using Microsoft.Extensions.Configuration;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Cli.Demo;

/// <summary>
/// What the demo's actors need, read from the same settings as the host (environment variables <c>Section__Key</c>): the
/// broker, each actor's broker user (<see cref="DemoUsersOptions"/>), the folder the pipeline may write artifacts to
/// (<c>Artifacts:AllowedSourceRoots:0</c>), the secret of the <c>dev</c> ticketing integration and the approver directory.
/// </summary>
internal sealed record DemoSettings(RabbitMqOptions RabbitMq, DemoUsersOptions Users, string SourceRoot, byte[] TicketingSecret,
    ApproverDirectory Approvers)
{
    public RabbitMqOptions Pipeline => DemoUsersOptions.As(RabbitMq, Users.PipelineUser, Users.PipelinePassword);
    public RabbitMqOptions Evaluator => DemoUsersOptions.As(RabbitMq, Users.EvaluatorUser, Users.EvaluatorPassword);
    public RabbitMqOptions Ticketing => DemoUsersOptions.As(RabbitMq, Users.TicketingUser, Users.TicketingPassword);

    /// <summary>The release manager's and the on-call engineer's user.</summary>
    public RabbitMqOptions Operator => DemoUsersOptions.As(RabbitMq, Users.OperatorUser, Users.OperatorPassword);

    /// <summary>The ticketing integration the demo's ticketing actor signs as; its queue is <c>ticketing.dev</c>.</summary>
    public const string Integration = "dev";

    public const string SecretSetting = $"Ticketing__Integrations__{Integration}__Secret";

    /// <summary>The settings, or the one line that says what is missing or invalid (and what to set).</summary>
    public static (DemoSettings? Settings, IReadOnlyList<string> Problems) Load(IConfiguration configuration)
    {
        var binder = new SettingsBinder(configuration);
        var rabbit = binder.Bind<RabbitMqOptions>(RabbitMqOptions.Section);
        var users = binder.Bind<DemoUsersOptions>(DemoUsersOptions.Section);
        var artifacts = binder.Bind<ArtifactStoreOptions>(ArtifactStoreOptions.Section);
        var ticketing = binder.Bind<TicketingOptions>(TicketingOptions.Section);
        var approvers = binder.Bind<ApproversOptions>(ApproversOptions.Section);
        if (binder.Errors.Count > 0) return (null, binder.Errors);

        var problems = new List<string>();
        if (ticketing.SecretOf(Integration) is null)
            problems.Add($"the dev ticketing integration is not configured: set {SecretSetting} (at least 32 characters, e.g. `openssl rand -hex 32`) " +
                "for the host and mreg alike, and Approvers__<person>__Roles__0=<role> for each approval role of the promotion policy; ./run.sh sets both");
        else if (approvers.Count == 0)
            problems.Add("no approvers are configured: set Approvers__<person>__Roles__0=<role> (for the host and mreg alike) for each approval " +
                "role of the promotion policy (model-owner, model-risk-officer, security-review in config/promotion-policy.json); ./run.sh sets them");
        if (artifacts.AllowedSourceRoots.Count == 0)
            problems.Add("Artifacts__AllowedSourceRoots__0 is not set: the demo's training pipeline writes its artifact files there, and the host " +
                "must allow the same folder (./run.sh sets it to .data/incoming)");
        if (problems.Count > 0) return (null, problems);
        return (new DemoSettings(rabbit, users, artifacts.AllowedSourceRoots[0], ticketing.SecretOf(Integration)!, new ApproverDirectory(approvers)), []);
    }
}
