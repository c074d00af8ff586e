using Microsoft.Extensions.Configuration;

namespace ModelRegistry.Platform;

/// <summary>An options class that checks itself: one line per invalid value, each naming its setting.</summary>
public interface ISettings
{
    IEnumerable<string> Validate();
}

/// <summary>
/// The one way settings are read: each section is bound once, at start, and validated; every problem is collected as a
/// line naming its setting, so the host can print them all and exit 2 before anything starts. The bound instances are
/// what the services get (no second binding through IOptions).
/// </summary>
public sealed class SettingsBinder(IConfiguration configuration)
{
    private readonly List<string> errors = [];

    public IConfiguration Configuration => configuration;

    public IReadOnlyList<string> Errors => errors;

    /// <summary>The section bound to a new <typeparamref name="T"/>, validated; a value of the wrong type is an error too.</summary>
    public T Bind<T>(string section) where T : ISettings, new()
    {
        var options = new T();
        try
        {
            configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key: "Failed to convert configuration value 'x' at 'RabbitMq:Port' to type 'System.Int32'."
            errors.Add(e.Message);
            return options;
        }
        errors.AddRange(options.Validate());
        return options;
    }

    public void Add(IEnumerable<string> problems) => errors.AddRange(problems);
}
