// The files at the root of the output folder (server, types, validators, JSON documents).
import { File } from '@asyncapi/generator-react-sdk';

const { filesIn } = require('../rendered.cjs');

export default function RootFiles() {
  return filesIn('').map((file) => <File name={file.path}>{file.content}</File>);
}
