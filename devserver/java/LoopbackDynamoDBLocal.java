import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local listening on one address only (127.0.0.1 unless -Dwxbase.host says otherwise).
 *
 * DynamoDB Local has no option for it: its server binds every interface. This builds the server exactly as
 * DynamoDBLocal.jar's main does (same command line, telemetry off) and binds its connector before starting it.
 * Compiled for Java 11 and kept as LoopbackDynamoDBLocal.class beside this file, so no JDK compiler is needed:
 *   javac --release 11 -cp DynamoDBLocal.jar:DynamoDBLocal_lib/jetty-server-12.1.11.jar LoopbackDynamoDBLocal.java
 */
public final class LoopbackDynamoDBLocal {
    public static void main(String[] args) throws Exception {
        String host = System.getProperty("wxbase.host", "127.0.0.1");
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        for (Connector connector : server.getConnectors()) {
            ((ServerConnector) connector).setHost(host);
        }
        proxy.start();
    }
}
