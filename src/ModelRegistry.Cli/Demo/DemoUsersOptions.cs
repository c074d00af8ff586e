using ModelRegistry.Platform;

namespace ModelRegistry.Cli.Demo;

/// <summary>
/// The broker user each of the demo's actors connects as (section <c>Demo</c>: <c>Demo__PipelineUser</c>,
/// <c>Demo__PipelinePassword</c> and so on), each a least-privilege client user of compose/broker-users.json: the outside
/// systems it plays are principals of their own, not the registry. A password not set is the user's name, as for the
/// development users compose/services.sh makes. Host, port and vhost are the <c>RabbitMq__*</c> settings.
/// </summary>
internal sealed class DemoUsersOptions : ISettings
{
    public const string Section = "Demo";

    public string PipelineUser { get; set; } = "mreg-pipeline";
    public string? PipelinePassword { get; set; }
    public string EvaluatorUser { get; set; } = "mreg-evaluator";
    public string? EvaluatorPassword { get; set; }
    public string TicketingUser { get; set; } = "mreg-ticketing";
    public string? TicketingPassword { get; set; }

    /// <summary>The release manager's and the on-call engineer's: people, who publish through the operator's user as mreg does.</summary>
    public string OperatorUser { get; set; } = "mreg-operator";
    public string? OperatorPassword { get; set; }

    /// <summary>The settings' broker (host, port, vhost) as one actor's user.</summary>
    public static RabbitMqOptions As(RabbitMqOptions broker, string user, string? password) => new()
    {
        Host = broker.Host,
        Port = broker.Port,
        VirtualHost = broker.VirtualHost,
        Username = user,
        Password = password ?? user,
    };

    public IEnumerable<string> Validate()
    {
        foreach (var (name, value) in new[] { ("PipelineUser", PipelineUser), ("EvaluatorUser", EvaluatorUser), ("TicketingUser", TicketingUser),
                     ("OperatorUser", OperatorUser) })
            if (string.IsNullOrWhiteSpace(value)) yield return $"{Section}:{name} is empty";
    }

    /// <summary>For --help: the settings and their development defaults.</summary>
    public const string Help = "Each actor connects as its own broker user (RabbitMq__Host/Port/VirtualHost; RabbitMq__Username is not used): "
        + "Demo__PipelineUser (default mreg-pipeline), Demo__EvaluatorUser (mreg-evaluator), Demo__TicketingUser (mreg-ticketing), "
        + "Demo__OperatorUser (mreg-operator: the release manager and the on-call engineer), each with Demo__<Actor>Password "
        + "(default: the user's name, as compose/services.sh makes the development users).";
}
