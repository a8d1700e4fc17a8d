<?php
namespace Shop;
final class Client {}
