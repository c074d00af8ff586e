using System.Text;
using ModelRegistry.Cli;
using ModelRegistry.Platform;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// A body with a value of the wrong JSON type cannot be read as its message and goes to the error queue; <c>mreg errors list</c>
/// names the JSON path at fault (MassTransit's fault headers would keep only "Cannot get the value of a token type 'String' as
/// a number."). Plain JSON and MassTransit's envelope alike, against a real evaluation worker.
/// </summary>
public class Cli_Specs_When_a_body_cannot_be_read(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>, IAsyncLifetime
{
    private const string Body = """{"evaluationId":"c81ef672-379f-465d-9766-b4b119b2661b","modelName":"m","version":"four","suite":"s","evaluatedAt":"2026-11-26T14:10:00Z"}""";
    private HostProcess host = null!;

    public async Task InitializeAsync()
    {
        host = HostProcess.StartHost(env.EnvironmentVariables, "--workers", "evaluation");
        await host.WaitUntilStartedAsync();
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Errors_list_names_the_json_path_of_the_value_of_the_wrong_type()
    {
        var broker = new PlainBroker(env.RabbitMq);
        var envelope = $$"""{"messageId":"{{Guid.NewGuid()}}","messageType":["urn:message:ModelRegistry.Contracts:EvaluationCompleted"],"message":{{Body}}}""";
        await broker.PublishBytesAsync("mreg.evaluation-completed", Encoding.UTF8.GetBytes(Body), Guid.NewGuid());
        await broker.PublishBytesAsync("mreg.evaluation-completed", Encoding.UTF8.GetBytes(envelope), Guid.NewGuid(), "application/vnd.masstransit+json");
        await Eventually.UntilAsync(async () => (await broker.QueuesAsync(["evaluation_error"])).Single().Messages, n => n == 2,
            TimeSpan.FromSeconds(60), "evaluation_error depth");
        var settings = new CliSettings(env.RabbitMq, env.Database);

        var (exit, listing, _) = await Cli_Specs.RunAsync(w => ErrorsCommand.ListAsync(settings, "evaluation", 20, json: true, w, default));

        Assert.Equal(0, exit);
        Assert.All(listing.GetProperty("shown").EnumerateArray(), m =>
        {
            Assert.Equal("System.Text.Json.JsonException", m.GetProperty("exceptionType").GetString());
            Assert.Equal("$.version: The JSON value could not be converted to System.Nullable`1[System.Int32]. "
                + "Cannot get the value of a token type 'String' as a number.", m.GetProperty("faultMessage").GetString());
        });
        var (_, _, text) = await Cli_Specs.RunAsync(w => ErrorsCommand.ListAsync(settings, "evaluation", 20, json: false, w, default));
        Assert.Contains("fault         System.Text.Json.JsonException: $.version: ", text, StringComparison.Ordinal);
    }
}
